//! End-to-end tests: each writes a small spec, runs the real `sisa` binary, and checks its exit
//! code, output and files. One test binary (modules by topic around one harness), so polars is
//! linked once.

mod analysis;
mod data;
mod folder;
mod harness;
mod resume;
mod runs;
mod slurm;
mod specs;
