//! payplan, the library hosts embed: compile a compensation plan once, run it on networks
