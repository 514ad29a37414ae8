//! What a change of plan does: two versions of a plan on one network.
