//! A tiny `--flag value` parser (the suite needs no more than that).

use std::collections::HashMap;
use std::str::FromStr;

pub struct Args {
    flags: HashMap<String, Vec<String>>,
    pub positional: Vec<String>,
}

impl Args {
    /// `--name value` pairs, `--name=value`, and bare `--switch` (value
    /// "true" when followed by another flag or nothing).
    pub fn parse(raw: impl IntoIterator<Item = String>) -> Args {
        let mut flags: HashMap<String, Vec<String>> = HashMap::new();
        let mut positional = Vec::new();
        let mut it = raw.into_iter().peekable();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), v.to_owned()),
                    None => {
                        let v = match it.peek() {
                            Some(n) if !n.starts_with("--") => it.next().unwrap_or_default(),
                            _ => "true".to_owned(),
                        };
                        (name.to_owned(), v)
                    }
                };
                flags.entry(name).or_default().push(value);
            } else {
                positional.push(a);
            }
        }
        Args { flags, positional }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.flags
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.flags.get(name).cloned().unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }

    /// The flag parsed, or `default` when absent; exits with a message when
    /// the value does not parse.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> T {
        match self.str(name) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("--{name}: cannot parse {v:?}");
                std::process::exit(2)
            }),
        }
    }

    /// Comma-separated list.
    pub fn list<T: FromStr + Clone>(&self, name: &str, default: &[T]) -> Vec<T> {
        match self.str(name) {
            None => default.to_vec(),
            Some(v) => v
                .split(',')
                .filter(|x| !x.is_empty())
                .map(|x| {
                    x.trim().parse().unwrap_or_else(|_| {
                        eprintln!("--{name}: cannot parse {x:?}");
                        std::process::exit(2)
                    })
                })
                .collect(),
        }
    }
}
