//! The `payplan` command.

fn main() {
    std::process::exit(payplan_cli::main());
}
