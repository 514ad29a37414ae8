//! payplan's checker: names, types, units and dependencies to a typed plan
