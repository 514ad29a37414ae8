//! payplan's evaluator: the passes of a typed plan over a flattened network
