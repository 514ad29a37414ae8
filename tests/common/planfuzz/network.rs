//! The network's grammar: ids, a sponsor forest, the placement tree and
//! the inputs' cells, with a mistake or two in about one network in five.

use std::collections::HashMap;

use super::plan::{Gen, Ty, EXTREMES, NUMBERS};
use super::{Case, NOBODY};

impl Gen<'_> {
    pub(super) fn finish(&mut self, plan: String, max_members: u32, max_explain: u32) -> Case {
        let (csv, ids) = self.network(max_members);
        let explain = (0..self.c.below(max_explain + 1))
            .filter_map(|_| {
                if ids.is_empty() || self.c.below(12) == 0 {
                    Some(NOBODY.to_string())
                } else {
                    ids.get(self.c.below(ids.len() as u32) as usize).cloned()
                }
            })
            .collect();
        Case { plan, csv, explain }
    }

    /// A network for the plan: ids, a sponsor forest (now and then broken),
    /// the placement tree when the plan uses one, and the inputs' cells.
    fn network(&mut self, max_members: u32) -> (String, Vec<String>) {
        self.broken = self.one_in(5);
        self.extreme = self.one_in(6);
        let members = self.c.below(max_members + 1) as usize;
        let ids: Vec<String> = (0..members).map(|i| self.id(i)).collect();
        let mut columns = vec!["id".to_string(), "sponsor".to_string()];
        if self.placement {
            columns.push("placement".to_string());
            columns.push("leg".to_string());
        }
        for input in &self.inputs {
            columns.push(input.name.to_string());
        }
        if self.one_in(8) {
            columns.push("note".to_string());
        }
        if self.oops(4) {
            let n = self.c.below(columns.len() as u32) as usize;
            columns.remove(n); // refused unless the column has a default
        }
        let mut order: Vec<usize> = (0..columns.len()).collect();
        if self.one_in(3) {
            order.reverse();
        }
        let mut sides: HashMap<(usize, bool), ()> = HashMap::new();
        let mut rows = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let mut cells: HashMap<&str, String> = HashMap::new();
            cells.insert("id", id.clone());
            let sponsor = self.sponsor(i, &ids);
            cells.insert("sponsor", sponsor);
            let (placement, leg) = self.place(i, &ids, &mut sides);
            cells.insert("placement", placement);
            cells.insert("leg", leg);
            cells.insert("note", "x".to_string());
            let mut values = Vec::new();
            let kinds: Vec<(&str, Ty, bool, bool)> = self
                .inputs
                .iter()
                .map(|input| (input.name, input.ty, input.default, input.at_least_zero))
                .collect();
            for (name, ty, default, at_least_zero) in kinds {
                let mut cell = self.cell(ty, default);
                if at_least_zero && !self.broken {
                    cell = cell.trim_start_matches('-').to_string();
                }
                values.push((name, cell));
            }
            for (name, value) in values {
                cells.insert(name, value);
            }
            let row: Vec<String> = order
                .iter()
                .filter_map(|&k| columns.get(k))
                .map(|column| quote(cells.get(column.as_str()).map_or("", String::as_str)))
                .collect();
            rows.push(row.join(","));
        }
        if self.one_in(3) {
            rows.reverse(); // sponsors after their members
        }
        let header: Vec<String> = order
            .iter()
            .filter_map(|&k| columns.get(k))
            .cloned()
            .collect();
        let mut csv = header.join(",");
        csv.push('\n');
        for row in rows {
            csv.push_str(&row);
            csv.push_str(if self.one_in(10) { "\r\n" } else { "\n" });
        }
        (csv, ids)
    }

    fn id(&mut self, i: usize) -> String {
        match self.c.below(30) {
            1 => format!("m,{i}"),
            2 => format!("\u{e9}l\u{e8}ve {i}"),
            3 => format!("\"q{i}\""),
            4 if i > 0 && self.oops(2) => "m0".to_string(), // refused: repeated
            5 if self.oops(2) => String::new(),             // refused: empty
            _ => format!("m{i}"),
        }
    }

    fn sponsor(&mut self, i: usize, ids: &[String]) -> String {
        let last = ids.len().saturating_sub(1);
        match self.c.below(40) {
            _ if i == 0 => {
                // Now and then the first member's sponsor closes a cycle.
                if self.oops(4) {
                    ids.get(last).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
            1..=4 => String::new(),
            5 if self.oops(2) => "ghost".to_string(),
            6 if self.oops(2) => ids.get(i).cloned().unwrap_or_default(),
            _ => {
                // An earlier member, most often a recent one: some depth.
                let back = 1 + self.c.below(4.min(i as u32)) as usize;
                let to = if self.one_in(3) {
                    self.c.below(i as u32) as usize
                } else {
                    i - back.min(i)
                };
                ids.get(to).cloned().unwrap_or_default()
            }
        }
    }

    fn place(
        &mut self,
        i: usize,
        ids: &[String],
        sides: &mut HashMap<(usize, bool), ()>,
    ) -> (String, String) {
        if !self.placement || i == 0 || self.c.below(8) == 0 {
            return (String::new(), String::new());
        }
        if self.oops(10) {
            return (String::new(), "L".to_string()); // refused: a leg without a placement
        }
        for _ in 0..4 {
            let parent = self.c.below(i as u32) as usize;
            let left = self.one_in(2);
            if sides.insert((parent, left), ()).is_none() || self.oops(4) {
                let leg = if left { "L" } else { "R" };
                return (
                    ids.get(parent).cloned().unwrap_or_default(),
                    leg.to_string(),
                );
            }
        }
        (String::new(), String::new())
    }

    fn cell(&mut self, ty: Ty, default: bool) -> String {
        if (default && self.one_in(4)) || self.oops(30) {
            return String::new();
        }
        if self.oops(20) {
            return self
                .pick(&["1e3", "+5", ".5", "5.", "1,5", "x", "TRUE", "-1"])
                .to_string();
        }
        match ty {
            Ty::Bool => self.pick(&["false", "true"]).to_string(),
            Ty::Percent => self.pick(&["5%", "0%", "100%", "50%", "-10%"]).to_string(),
            Ty::Count => self.pick(&["0", "1", "3", "2.5", "-1"]).to_string(),
            _ => match self.c.below(6) {
                0 => self
                    .pick(&["0", "100", "1000", "99.99", "5000"])
                    .to_string(),
                1 if self.extreme => self.pick(&EXTREMES).to_string(),
                1 => self.pick(&NUMBERS).to_string(),
                _ => {
                    let whole = self.c.below(1500);
                    let cents = self.c.below(100);
                    format!("{whole}.{cents:02}")
                }
            },
        }
    }
}

/// CSV quoting (RFC 4180) of one cell.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}
