//! `vquad info`: what this build and this machine are, as vquad sees them.

use clap::Args;
use serde_json::json;
use vquad::topology::Topology;

/// Options of `vquad info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// A thread count given as an argument (0: none), to show how the
    /// default would be resolved with it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// CPU features vquad cares about (and that /proc/cpuinfo may list).
const FEATURES: &[&str] = &[
    "sse2", "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512vl", "asimd", "sve",
];

/// Where the default thread count comes from.
pub fn thread_source(argument: usize, env: Option<&str>) -> (&'static str, Option<usize>) {
    if argument > 0 {
        return ("argument", Some(argument));
    }
    match env.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => (vquad::context::NUM_THREADS_ENV, v.parse().ok()),
        None => ("logical CPUs", Some(vquad::context::logical_cpus())),
    }
}

/// CPU model and the [`FEATURES`] present, from `/proc/cpuinfo` text.
pub fn cpu_model_and_features(cpuinfo: &str) -> (String, Vec<&'static str>) {
    let field = |key: &str| {
        cpuinfo
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
    };
    let model = field("model name")
        .or_else(|| field("Model"))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let flags = field("flags")
        .or_else(|| field("Features"))
        .unwrap_or_default();
    let have: Vec<&str> = flags.split_whitespace().collect();
    let features = FEATURES
        .iter()
        .copied()
        .filter(|f| have.contains(f))
        .collect();
    (model, features)
}

/// Runs the command.
pub fn run(args: &InfoArgs) -> Result<std::process::ExitCode, String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let (model, features) = cpu_model_and_features(&cpuinfo);
    let topo = Topology::detect();
    let env = std::env::var(vquad::context::NUM_THREADS_ENV).ok();
    let (source, threads) = thread_source(args.threads, env.as_deref());
    let binding = vquad::Binding::from_env();
    let bind_env = std::env::var(vquad::affinity::BIND_ENV).ok();
    let padding = std::mem::align_of::<crossbeam_utils::CachePadded<u8>>();
    let doc = json!({
        "version": vquad::VERSION,
        "simd_isa": vquad::simd::isa(),
        "lanes": vquad::LANES,
        "cpu_model": model,
        "cpu_features": features,
        "logical_cpus": topo.logical(),
        "allowed_cpus": vquad::affinity::allowed_cpus().len(),
        "physical_cores": topo.cores(),
        "sockets": topo.sockets(),
        "numa_nodes": topo.nodes(),
        "threads_per_core": topo.threads_per_core(),
        "default_threads": threads,
        "default_threads_from": source,
        "cache_line_padding_bytes": padding,
        "binding": binding.as_ref().map(|b| b.name()).unwrap_or("invalid"),
        "binding_from": if bind_env.as_deref().is_some_and(|v| !v.trim().is_empty()) { vquad::affinity::BIND_ENV } else { "default" },
    });
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        println!("vquad {}", vquad::VERSION);
        println!("SIMD: {} ({} f64 lanes)", vquad::simd::isa(), vquad::LANES);
        println!("CPU: {model}");
        println!("CPU features: {}", features.join(" "));
        println!(
            "CPUs: {} logical ({} allowed), {} physical cores, {} sockets, {} NUMA nodes, {} thread(s) per core",
            topo.logical(),
            doc["allowed_cpus"],
            topo.cores(),
            topo.sockets(),
            topo.nodes(),
            topo.threads_per_core()
        );
        println!(
            "default threads: {} (from {source})",
            threads.map_or("invalid".to_string(), |t| t.to_string())
        );
        println!("cache-line padding: {padding} bytes (crossbeam CachePadded)");
        println!(
            "binding: {} (from {})",
            doc["binding"].as_str().unwrap_or("?"),
            doc["binding_from"].as_str().unwrap_or("?")
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_source_is_the_argument_then_the_variable_then_the_cpus() {
        assert_eq!(thread_source(3, Some("5")), ("argument", Some(3)));
        assert_eq!(
            thread_source(0, Some(" 5 ")),
            ("VQUAD_NUM_THREADS", Some(5))
        );
        assert_eq!(thread_source(0, Some("x")), ("VQUAD_NUM_THREADS", None));
        assert_eq!(thread_source(0, Some("")).0, "logical CPUs");
        assert_eq!(thread_source(0, None).0, "logical CPUs");
    }

    #[test]
    fn model_and_features_come_from_cpuinfo() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma\n";
        let (m, f) = cpu_model_and_features(text);
        assert_eq!(m, "AMD EPYC");
        assert_eq!(f, vec!["sse2", "avx", "avx2", "fma"]);
    }
}
