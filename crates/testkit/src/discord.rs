//! Fake Discord REST API and gateway (to be written).
