//! Discord adapter (to be written).
