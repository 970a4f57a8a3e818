//! The abuse suite: one test (at least) per finding of issue 12, each tried as an attacker
//! would. Every one of them failed against the build before the hardening (commit d0dd0a1).

mod cpu;
mod csv;
mod database;
mod leaks;
mod limits;
mod login;
mod metrics;
mod tokens;
