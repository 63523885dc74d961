//! Fake Telegram Bot API (to be written).
