//! What the machine is: CPU model, logical and physical cores.

use serde::Serialize;

/// A description of the machine a sweep ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Machine {
    /// CPU model name (from `/proc/cpuinfo` where available).
    pub cpu_model: String,
    /// Logical CPUs available to this process.
    pub logical_cores: usize,
    /// Physical cores (distinct package/core pairs), or the logical count
    /// when the OS does not tell.
    pub physical_cores: usize,
    /// SIMD instruction set vquad was compiled for.
    pub simd_isa: String,
    /// vquad's version.
    pub vquad_version: String,
}

impl Machine {
    /// Describes the running machine.
    pub fn detect() -> Machine {
        let logical = vquad::context::logical_cpus();
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let (model, physical) = parse_cpuinfo(&cpuinfo);
        Machine {
            cpu_model: model.unwrap_or_else(|| std::env::consts::ARCH.to_string()),
            logical_cores: logical,
            physical_cores: physical.map_or(logical, |p| p.min(logical)),
            simd_isa: vquad::simd::isa().to_string(),
            vquad_version: vquad::VERSION.to_string(),
        }
    }
}

/// Model name and number of distinct (physical id, core id) pairs.
pub fn parse_cpuinfo(text: &str) -> (Option<String>, Option<usize>) {
    let mut model = None;
    let mut cores = std::collections::BTreeSet::new();
    let (mut phys, mut core) = (None::<String>, None::<String>);
    for line in text.lines().chain(std::iter::once("")) {
        let (key, value) = match line.split_once(':') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => ("", ""),
        };
        match key {
            "model name" if model.is_none() => model = Some(value.to_string()),
            "physical id" => phys = Some(value.to_string()),
            "core id" => core = Some(value.to_string()),
            "" => {
                if let (Some(p), Some(c)) = (phys.take(), core.take()) {
                    cores.insert((p, c));
                }
            }
            _ => {}
        }
    }
    (model, (!cores.is_empty()).then_some(cores.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperthreads_count_once() {
        let text = "processor: 0\nmodel name: X\nphysical id: 0\ncore id: 0\n\n\
                    processor: 1\nmodel name: X\nphysical id: 0\ncore id: 0\n\n\
                    processor: 2\nmodel name: X\nphysical id: 0\ncore id: 1\n";
        assert_eq!(parse_cpuinfo(text), (Some("X".to_string()), Some(2)));
        assert_eq!(parse_cpuinfo(""), (None, None));
    }

    #[test]
    fn detect_reports_at_least_one_core() {
        let m = Machine::detect();
        assert!(m.physical_cores >= 1 && m.physical_cores <= m.logical_cores);
    }
}
