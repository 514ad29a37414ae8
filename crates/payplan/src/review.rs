//! A plan's review: what it pays, to whom, and what it holds back.
