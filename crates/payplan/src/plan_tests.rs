//! Plan tests: small networks with the amounts a plan must pay on them.
