//! `sisa`: a declarative experiment runner for SISA machine unlearning (Bourtoule et al., "Machine
//! Unlearning", IEEE S&P 2021).
//!
//! Data flows one way through the stages: [`spec`] (what to run) -> [`data`] (the points) ->
//! [`sisa`] (shards, slices, checkpoints, unlearning) with [`model`] (the constituents) and
//! [`requests`] (who asks to be forgotten) -> [`runner`] (a run session: trials in parallel on
//! [`workers`], saved as they finish) -> [`results`] (tables) -> [`plot`] (figures) ->
//! [`report`] -> [`cli`] (the terminal).

#![warn(missing_docs)]

pub mod cli;
pub mod clock;
pub mod cost;
pub mod data;
pub mod error;
pub mod interrupt;
pub mod model;
pub mod plot;
pub mod report;
pub mod requests;
pub mod results;
pub mod runner;
pub mod seed;
pub mod sisa;
pub mod spec;
pub mod workers;

pub use error::{Error, Result};
