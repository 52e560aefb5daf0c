//! The machine's CPU topology: sockets, physical cores, SMT siblings and NUMA
//! nodes, read from Linux's `/sys` tree.
//!
//! Invariant: every logical CPU in a [`Topology`] appears exactly once, with
//! the socket, core and NUMA node `/sys` gives it; a core is identified by
//! its (socket, core id) pair, so two sockets may reuse core ids. Where `/sys`
//! says nothing (other systems, containers hiding it), each CPU is its own
//! core on socket 0 and node 0, which is what a scheduler would assume too.

use std::collections::BTreeMap;
use std::path::Path;

/// One logical CPU (a hardware thread) and where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogicalCpu {
    /// The CPU number the operating system uses (for affinity masks).
    pub cpu: usize,
    /// Physical package (socket).
    pub socket: usize,
    /// Physical core index, dense over the whole machine (0, 1, …), ordered
    /// by (socket, core id).
    pub core: usize,
    /// Position among the core's SMT siblings: 0 for the first hardware
    /// thread of the core, 1 for the second, …
    pub smt: usize,
    /// NUMA node.
    pub node: usize,
}

/// The CPU topology of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Every logical CPU, ascending by CPU number.
    pub cpus: Vec<LogicalCpu>,
}

impl Topology {
    /// The running machine's topology, from `/sys`.
    pub fn detect() -> Topology {
        Topology::from_sys(Path::new("/sys"))
    }

    /// The topology described by a `/sys`-shaped tree under `root`: the
    /// CPUs listed in `devices/system/cpu/online` (or every `cpuN`
    /// directory), each with `topology/physical_package_id` and
    /// `topology/core_id`, and the nodes' `devices/system/node/nodeN/cpulist`.
    /// Missing files fall back as the module documentation says.
    pub fn from_sys(root: &Path) -> Topology {
        let cpu_dir = root.join("devices/system/cpu");
        let mut numbers = std::fs::read_to_string(cpu_dir.join("online"))
            .ok()
            .and_then(|t| parse_cpu_list(&t))
            .unwrap_or_default();
        if numbers.is_empty() {
            numbers = numbered_entries(&cpu_dir, "cpu");
        }
        if numbers.is_empty() {
            numbers = (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect();
        }
        let mut node_of = BTreeMap::new();
        let node_dir = root.join("devices/system/node");
        for node in numbered_entries(&node_dir, "node") {
            let list = std::fs::read_to_string(node_dir.join(format!("node{node}/cpulist")));
            for cpu in list
                .ok()
                .and_then(|t| parse_cpu_list(&t))
                .unwrap_or_default()
            {
                node_of.insert(cpu, node);
            }
        }
        let read = |cpu: usize, file: &str| -> Option<usize> {
            let path = cpu_dir.join(format!("cpu{cpu}/topology/{file}"));
            std::fs::read_to_string(path).ok()?.trim().parse().ok()
        };
        let raw: Vec<(usize, usize, usize, usize)> = numbers
            .iter()
            .map(|&cpu| {
                let socket = read(cpu, "physical_package_id").unwrap_or(0);
                // Without a core id, a CPU is its own core.
                let core = read(cpu, "core_id").map_or(usize::MAX - cpu, |c| c);
                (cpu, socket, core, node_of.get(&cpu).copied().unwrap_or(0))
            })
            .collect();
        Topology::from_raw(&raw)
    }

    /// Builds a topology from `(cpu, socket, core id, node)` tuples.
    pub fn from_raw(raw: &[(usize, usize, usize, usize)]) -> Topology {
        let mut core_index = BTreeMap::new();
        for &(_, socket, core, _) in raw {
            core_index.entry((socket, core)).or_insert(0usize);
        }
        for (i, v) in core_index.values_mut().enumerate() {
            *v = i;
        }
        let mut sorted = raw.to_vec();
        sorted.sort_unstable();
        sorted.dedup_by_key(|r| r.0);
        let mut seen = BTreeMap::new();
        let cpus = sorted
            .iter()
            .map(|&(cpu, socket, core, node)| {
                let dense = core_index[&(socket, core)];
                let smt = seen.entry(dense).or_insert(0usize);
                let entry = LogicalCpu {
                    cpu,
                    socket,
                    core: dense,
                    smt: *smt,
                    node,
                };
                *smt += 1;
                entry
            })
            .collect();
        Topology { cpus }
    }

    /// Number of logical CPUs.
    pub fn logical(&self) -> usize {
        self.cpus.len()
    }

    /// Number of physical cores.
    pub fn cores(&self) -> usize {
        self.distinct(|c| c.core)
    }

    /// Number of sockets.
    pub fn sockets(&self) -> usize {
        self.distinct(|c| c.socket)
    }

    /// Number of NUMA nodes.
    pub fn nodes(&self) -> usize {
        self.distinct(|c| c.node)
    }

    /// Hardware threads per core on the busiest core (1 without SMT).
    pub fn threads_per_core(&self) -> usize {
        self.cpus.iter().map(|c| c.smt + 1).max().unwrap_or(1)
    }

    /// The entry for CPU number `cpu`.
    pub fn cpu(&self, cpu: usize) -> Option<&LogicalCpu> {
        self.cpus.iter().find(|c| c.cpu == cpu)
    }

    /// Whether two of `cpus` are SMT siblings (share a physical core).
    pub fn shares_a_core(&self, cpus: &[usize]) -> bool {
        let mut cores: Vec<usize> = cpus
            .iter()
            .filter_map(|&c| self.cpu(c).map(|l| l.core))
            .collect();
        cores.sort_unstable();
        cores.windows(2).any(|w| w[0] == w[1])
    }

    fn distinct(&self, key: impl Fn(&LogicalCpu) -> usize) -> usize {
        let mut v: Vec<usize> = self.cpus.iter().map(key).collect();
        v.sort_unstable();
        v.dedup();
        v.len().max(1)
    }
}

/// Parses a Linux CPU list such as `0-3,8,10-11`; `None` when malformed.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for item in text.trim().split(',').filter(|s| !s.trim().is_empty()) {
        match item.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi): (usize, usize) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
                if lo > hi {
                    return None;
                }
                out.extend(lo..=hi);
            }
            None => out.push(item.trim().parse().ok()?),
        }
    }
    Some(out)
}

/// The numbers N of the entries `<prefix>N` of a directory, ascending.
fn numbered_entries(dir: &Path, prefix: &str) -> Vec<usize> {
    let mut out: Vec<usize> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.strip_prefix(prefix)?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Writes a synthetic `/sys` tree: `cpus` as (cpu, socket, core id) and
    /// `nodes` as node cpulists.
    fn fixture(name: &str, cpus: &[(usize, usize, usize)], nodes: &[&str]) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("vquad-topology-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let cpu_dir = root.join("devices/system/cpu");
        for &(cpu, socket, core) in cpus {
            let t = cpu_dir.join(format!("cpu{cpu}/topology"));
            std::fs::create_dir_all(&t).unwrap();
            std::fs::write(t.join("physical_package_id"), format!("{socket}\n")).unwrap();
            std::fs::write(t.join("core_id"), format!("{core}\n")).unwrap();
        }
        let list: Vec<String> = cpus.iter().map(|c| c.0.to_string()).collect();
        std::fs::write(cpu_dir.join("online"), list.join(",") + "\n").unwrap();
        for (i, l) in nodes.iter().enumerate() {
            let d = root.join(format!("devices/system/node/node{i}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("cpulist"), format!("{l}\n")).unwrap();
        }
        root
    }

    #[test]
    fn cpu_lists_parse_ranges_and_singles() {
        assert_eq!(
            parse_cpu_list("0-3,8,10-11\n"),
            Some(vec![0, 1, 2, 3, 8, 10, 11])
        );
        assert_eq!(parse_cpu_list(""), Some(vec![]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn two_sockets_with_smt_and_two_numa_nodes_are_read_from_sys() {
        // 2 sockets × 2 cores × 2 threads; Linux numbers the second hardware
        // thread of every core after all first threads (cpu4 is cpu0's sibling).
        let cpus = [
            (0, 0, 0),
            (1, 0, 1),
            (2, 1, 0),
            (3, 1, 1),
            (4, 0, 0),
            (5, 0, 1),
            (6, 1, 0),
            (7, 1, 1),
        ];
        let root = fixture("smt-numa", &cpus, &["0-1,4-5", "2-3,6-7"]);
        let t = Topology::from_sys(&root);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            (t.logical(), t.cores(), t.sockets(), t.nodes()),
            (8, 4, 2, 2)
        );
        assert_eq!(t.threads_per_core(), 2);
        // Socket 1 reuses core ids 0 and 1, yet they are distinct cores.
        assert_eq!(t.cpu(2).unwrap().core, 2);
        assert_eq!(t.cpu(6).unwrap().core, 2);
        assert_eq!((t.cpu(4).unwrap().smt, t.cpu(0).unwrap().smt), (1, 0));
        assert_eq!(t.cpu(7).unwrap().node, 1);
        assert!(t.shares_a_core(&[0, 4]));
        assert!(!t.shares_a_core(&[0, 1, 2, 3]));
    }

    #[test]
    fn one_socket_without_smt_or_numa_files() {
        let root = fixture("flat", &[(0, 0, 0), (1, 0, 1)], &[]);
        let t = Topology::from_sys(&root);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            (t.logical(), t.cores(), t.sockets(), t.nodes()),
            (2, 2, 1, 1)
        );
        assert_eq!(t.threads_per_core(), 1);
    }

    #[test]
    fn cpus_without_topology_files_are_their_own_cores() {
        let t = Topology::from_raw(&[(0, 0, usize::MAX, 0), (1, 0, usize::MAX - 1, 0)]);
        assert_eq!(t.cores(), 2);
        let missing = Topology::from_sys(Path::new("/nonexistent-vquad-sys"));
        assert!(missing.logical() >= 1);
        assert_eq!(missing.cores(), missing.logical());
    }

    #[test]
    fn the_running_machine_has_at_least_one_core_per_socket() {
        let t = Topology::detect();
        assert!(t.logical() >= 1 && t.cores() <= t.logical() && t.sockets() <= t.cores());
    }
}
