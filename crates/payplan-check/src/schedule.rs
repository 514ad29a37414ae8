//! Dependency order: which nodes read which, through which relation, and the
//! passes that evaluate them. Cycles are allowed only where they run through
//! the sponsor tree in one direction (a rank that reads its downline's ranks).

use payplan_syntax::Span;

use crate::error::{CheckError, CycleKind};
use crate::typed::{Direction, Node, NodeId, NodeKind, Scope, Stage, TExpr, TRelation};

/// How a node reads another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// At the same member.
    Local,
    /// At members strictly below, in the sponsor tree.
    Down,
    /// At members strictly above, in the sponsor tree.
    Up,
    /// At members of a placement subtree, or at every member (a total).
    Other,
    /// At matrix descendants: the matrix is a tree of its own, unrelated to
    /// the sponsor tree's order, so what a matrix aggregate reads is
    /// computed for every member first (the aggregate is a stage of its own).
    Matrix,
}

/// How a part evaluated in `scope` reads the nodes it names.
fn edge_kinds(scope: Scope<'_>) -> &'static [Edge] {
    match scope {
        Scope::Member => &[Edge::Local],
        Scope::MemberAndDownline => &[Edge::Local, Edge::Down],
        Scope::Downline => &[Edge::Down],
        Scope::Network => &[Edge::Other],
        Scope::Related(relation) => match relation {
            TRelation::Children
            | TRelation::Downline
            | TRelation::Levels { .. }
            | TRelation::Generations { .. } => &[Edge::Down],
            TRelation::Group => &[Edge::Local, Edge::Down],
            TRelation::Upline => &[Edge::Up],
            TRelation::Placement(_) => &[Edge::Other],
            TRelation::MatrixLevels { .. } => &[Edge::Matrix],
        },
    }
}

/// Each node's reads: a network-wide node is read as a local value
/// wherever it is read, except by a total (which reads every member).
fn edges(nodes: &[Node]) -> Vec<Vec<(NodeId, Edge)>> {
    let mut out = vec![Vec::new(); nodes.len()];
    for (node, list) in nodes.iter().zip(out.iter_mut()) {
        node.kind.for_each_part(&mut |t, scope| {
            for &kind in edge_kinds(scope) {
                t.any_part(&mut |e| {
                    let (n, kind) = match e {
                        // `my`: read at the member itself, whatever the relation.
                        TExpr::My(n) => (*n, Edge::Local),
                        TExpr::Slot(n) | TExpr::RankTable { rank: n, .. } => (*n, kind),
                        _ => return false,
                    };
                    let global = nodes.get(n).is_some_and(|x| x.global);
                    let kind = if global && !matches!(kind, Edge::Other | Edge::Matrix) {
                        Edge::Local
                    } else {
                        kind
                    };
                    list.push((n, kind));
                    false
                });
            }
        });
    }
    out
}

/// Strongly connected components, iteratively (Tarjan's algorithm with an
/// explicit stack), in reverse topological order: a component comes after
/// every component it reads.
fn components(graph: &[Vec<(NodeId, Edge)>]) -> Vec<Vec<NodeId>> {
    let n = graph.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    for root in 0..n {
        if index.get(root).copied() != Some(usize::MAX) {
            continue;
        }
        // (node, position in its edge list)
        let mut call: Vec<(NodeId, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            if *pos == 0 && index.get(v).copied() == Some(usize::MAX) {
                set(&mut index, v, next);
                set(&mut low, v, next);
                next += 1;
                stack.push(v);
                set(&mut on_stack, v, true);
            }
            let succ = graph.get(v).and_then(|e| e.get(*pos)).map(|(w, _)| *w);
            if let Some(w) = succ {
                *pos += 1;
                if index.get(w).copied() == Some(usize::MAX) {
                    call.push((w, 0));
                } else if on_stack.get(w).copied().unwrap_or(false) {
                    let m = low
                        .get(v)
                        .copied()
                        .unwrap_or(0)
                        .min(index.get(w).copied().unwrap_or(0));
                    set(&mut low, v, m);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                let m = low
                    .get(parent)
                    .copied()
                    .unwrap_or(0)
                    .min(low.get(v).copied().unwrap_or(0));
                set(&mut low, parent, m);
            }
            if low.get(v) == index.get(v) {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    set(&mut on_stack, w, false);
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comp.sort_unstable();
                out.push(comp);
            }
        }
    }
    out
}

fn set<T>(v: &mut [T], i: usize, x: T) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

/// Orders the nodes into stages, or explains the cycle that prevents it.
pub fn schedule(nodes: &[Node]) -> Result<Vec<Stage>, CheckError> {
    let graph = edges(nodes);
    let mut stages = Vec::new();
    // Tarjan emits a component after all components it reaches: the order
    // of evaluation.
    for comp in components(&graph) {
        let members = |n: NodeId| comp.binary_search(&n).is_ok();
        let inner: Vec<(NodeId, NodeId, Edge)> = comp
            .iter()
            .flat_map(|&v| {
                graph
                    .get(v)
                    .into_iter()
                    .flatten()
                    .filter(|(w, _)| members(*w))
                    .map(move |&(w, e)| (v, w, e))
            })
            .collect();
        let [single] = comp.as_slice() else {
            stages.push(recursive_stage(nodes, &comp, &inner)?);
            continue;
        };
        if inner.is_empty() {
            stages.push(Stage::Single(*single));
        } else {
            stages.push(recursive_stage(nodes, &comp, &inner)?);
        }
    }
    Ok(fuse(nodes, &graph, stages))
}

/// Whether a node can be computed member by member in a bottom-up sweep.
fn sweepable(node: Option<&Node>) -> bool {
    node.is_some_and(|node| {
        !node.global
            && match &node.kind {
                NodeKind::Aggregate(agg) => {
                    !matches!(
                        agg.relation,
                        TRelation::Upline
                            | TRelation::Placement(_)
                            | TRelation::MatrixLevels { .. }
                    ) && !agg.reads_earner()
                }
                NodeKind::Input { .. } | NodeKind::Total { .. } | NodeKind::Matrix(_) => false,
                _ => true,
            }
    })
}

/// Merges consecutive stages into one bottom-up sweep where every node of
/// a stage reads the sweep's nodes only at the same member or below it:
/// one pass over the members instead of one per node.
fn fuse(nodes: &[Node], graph: &[Vec<(NodeId, Edge)>], stages: Vec<Stage>) -> Vec<Stage> {
    let mut out = Vec::new();
    let mut group: Vec<NodeId> = Vec::new();
    let mut in_group = vec![false; nodes.len()];
    let flush = |group: &mut Vec<NodeId>, in_group: &mut Vec<bool>, out: &mut Vec<Stage>| {
        match group.as_slice() {
            [] => {}
            [one] => out.push(Stage::Single(*one)),
            _ => out.push(Stage::Recursive {
                direction: Direction::BottomUp,
                nodes: group.clone(),
            }),
        }
        for &n in group.iter() {
            set(in_group, n, false);
        }
        group.clear();
    };
    for stage in stages {
        let (members, fits) = match &stage {
            Stage::Single(n) => (vec![*n], sweepable(nodes.get(*n))),
            Stage::Recursive {
                direction: Direction::BottomUp,
                nodes: ns,
            } => (ns.clone(), ns.iter().all(|&n| sweepable(nodes.get(n)))),
            Stage::Recursive { nodes: ns, .. } => (ns.clone(), false),
        };
        if !fits {
            flush(&mut group, &mut in_group, &mut out);
            out.push(stage);
            continue;
        }
        let reads_ok = members.iter().all(|&v| {
            graph.get(v).into_iter().flatten().all(|&(w, e)| {
                !in_group.get(w).copied().unwrap_or(false) || matches!(e, Edge::Local | Edge::Down)
            })
        });
        if !reads_ok {
            flush(&mut group, &mut in_group, &mut out);
        }
        for &n in &members {
            set(&mut in_group, n, true);
        }
        group.extend(members);
    }
    flush(&mut group, &mut in_group, &mut out);
    out
}

fn recursive_stage(
    nodes: &[Node],
    comp: &[NodeId],
    inner: &[(NodeId, NodeId, Edge)],
) -> Result<Stage, CheckError> {
    let has = |k: Edge| inner.iter().any(|(_, _, e)| *e == k);
    let cycle_error = |kind: CycleKind, wanted: &dyn Fn(Edge) -> bool| {
        let path = find_cycle(comp, inner, wanted);
        let first = path
            .first()
            .copied()
            .unwrap_or(comp.first().copied().unwrap_or(0));
        let name_of = |n: NodeId| {
            nodes.get(n).map_or((String::new(), Span::default()), |x| {
                (x.label.clone(), x.span)
            })
        };
        let (name, span) = name_of(named(nodes, &path).unwrap_or(first));
        let mut labelled: Vec<(String, Span)> = path.iter().map(|&n| name_of(n)).collect();
        if let Some(head) = labelled.first().cloned() {
            labelled.push(head);
        }
        CheckError::Cycle {
            name,
            span,
            path: labelled,
            kind,
        }
    };
    if has(Edge::Matrix) {
        return Err(cycle_error(CycleKind::Matrix, &|_| true));
    }
    if has(Edge::Other) {
        return Err(cycle_error(CycleKind::Global, &|_| true));
    }
    // An aggregate with `my` walks its sources once they are all known: it
    // is a stage of its own.
    if comp.iter().any(|&n| reads_earner(nodes, n)) {
        return Err(cycle_error(CycleKind::Earner, &|_| true));
    }
    if has(Edge::Up) && has(Edge::Down) {
        return Err(cycle_error(CycleKind::UpAndDown, &|_| true));
    }
    let order = local_order(comp, inner)
        .ok_or_else(|| cycle_error(CycleKind::Local, &|e| e == Edge::Local))?;
    let direction = if has(Edge::Up) {
        Direction::TopDown
    } else {
        Direction::BottomUp
    };
    Ok(Stage::Recursive {
        direction,
        nodes: order,
    })
}

/// Whether node `n` is an aggregate that reads `my` values.
fn reads_earner(nodes: &[Node], n: NodeId) -> bool {
    matches!(nodes.get(n).map(|x| &x.kind), Some(NodeKind::Aggregate(agg)) if agg.reads_earner())
}

/// A named node on the cycle (a definition rather than an unnamed part).
fn named(nodes: &[Node], path: &[NodeId]) -> Option<NodeId> {
    path.iter().copied().find(|&n| {
        nodes.get(n).is_some_and(|x| {
            matches!(
                x.kind,
                NodeKind::Expr(_) | NodeKind::Rank { .. } | NodeKind::Bonus { .. }
            )
        })
    })
}

/// The component's nodes ordered so that each comes after the nodes it
/// reads at the same member (Kahn's algorithm on the local edges); `None`
/// when the local edges make a cycle.
fn local_order(comp: &[NodeId], inner: &[(NodeId, NodeId, Edge)]) -> Option<Vec<NodeId>> {
    let pos = |n: NodeId| comp.binary_search(&n).ok();
    let mut pending = vec![0usize; comp.len()];
    // readers[w]: the positions that read position `w` locally.
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); comp.len()];
    for &(v, w, e) in inner {
        if let (Edge::Local, Some(pv), Some(pw)) = (e, pos(v), pos(w)) {
            if let Some(p) = pending.get_mut(pv) {
                *p += 1;
            }
            if let Some(r) = readers.get_mut(pw) {
                r.push(pv);
            }
        }
    }
    let mut ready: Vec<usize> = (0..comp.len())
        .filter(|&i| pending.get(i) == Some(&0))
        .collect();
    let mut order = Vec::with_capacity(comp.len());
    while let Some(w) = ready.pop() {
        order.push(*comp.get(w)?);
        for &v in readers.get(w).into_iter().flatten() {
            if let Some(p) = pending.get_mut(v) {
                *p -= 1;
                if *p == 0 {
                    ready.push(v);
                }
            }
        }
    }
    (order.len() == comp.len()).then_some(order)
}

/// A cycle inside the component over the edges `wanted` admits, as a list
/// of nodes: the shortest one (breadth-first) through the first node of the
/// component that lies on one.
fn find_cycle(
    comp: &[NodeId],
    inner: &[(NodeId, NodeId, Edge)],
    wanted: &dyn Fn(Edge) -> bool,
) -> Vec<NodeId> {
    let pos = |n: NodeId| comp.binary_search(&n).ok();
    // next[v]: the positions position `v` reads over wanted edges.
    let mut next: Vec<Vec<(usize, Edge)>> = vec![Vec::new(); comp.len()];
    for &(a, w, e) in inner {
        if let (true, Some(pa), Some(pw)) = (wanted(e), pos(a), pos(w)) {
            if let Some(list) = next.get_mut(pa) {
                list.push((pw, e));
            }
        }
    }
    let on_cycle = |c: &Vec<usize>| match c.as_slice() {
        [one] => next
            .get(*one)
            .is_some_and(|l| l.iter().any(|(w, _)| w == one)),
        _ => true,
    };
    let start = components(&next)
        .iter()
        .filter(|c| on_cycle(c))
        .filter_map(|c| c.first().copied())
        .min();
    let path = start.and_then(|s| shortest_cycle(&next, s));
    match path {
        Some(path) => path.iter().filter_map(|&p| comp.get(p).copied()).collect(),
        None => comp.to_vec(),
    }
}

/// The shortest cycle through `start` (breadth-first), as positions from
/// `start` on.
fn shortest_cycle(next: &[Vec<(usize, Edge)>], start: usize) -> Option<Vec<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; next.len()];
    let mut seen = vec![false; next.len()];
    set(&mut seen, start, true);
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &(w, _) in next.get(v).into_iter().flatten() {
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = parent.get(cur).copied().flatten()?;
                    path.push(cur);
                }
                path.reverse();
                return Some(path);
            }
            if !seen.get(w).copied().unwrap_or(true) {
                set(&mut seen, w, true);
                set(&mut parent, w, Some(v));
                queue.push_back(w);
            }
        }
    }
    None
}
