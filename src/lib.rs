//! The devref driver: command line, file discovery, running the analysis, and rendering.

pub mod bot;
pub mod cache;
pub mod cargo;
pub mod cli;
pub mod config;
pub mod diff;
pub mod discover;
pub mod driver;
pub mod exit;
pub mod fix;
pub mod formats;
pub mod hook;
pub mod input;
pub mod project;
pub mod render;
pub mod report_only;
pub mod review;
pub mod summaries;
pub mod unified_diff;
