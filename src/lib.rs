//! The devref driver: command line, file discovery, running the analysis, and rendering.

pub mod cli;
pub mod config;
pub mod discover;
pub mod driver;
pub mod render;
