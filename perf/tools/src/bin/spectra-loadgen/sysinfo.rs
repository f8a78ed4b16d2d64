//! What the suite reads from the operating system: CPU time and RSS of a
//! process from /proc, the wall clock in microseconds (the latency probes'
//! clock, shared by every process on the machine), the open-file limit, and
//! sockets bound to a chosen loopback source address.

use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::os::fd::FromRawFd;
use std::time::{SystemTime, UNIX_EPOCH};

/// CLOCK_REALTIME in microseconds: comparable across processes.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn ticks_per_sec() -> u64 {
    // SAFETY: sysconf only reads a constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// User + system CPU time of `pid` in microseconds (`None`: no such process).
pub fn cpu_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after ')'.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) * 1_000_000 / ticks_per_sec())
}

/// CPU time of `pid`'s live threads in microseconds, from the scheduler's
/// nanosecond counts (`/proc/<pid>/task/*/schedstat`): precise where
/// [`cpu_us`]'s clock ticks (10 ms) are too coarse for a process that does
/// little, but blind to threads that have ended.
pub fn threads_cpu_us(pid: u32) -> Option<u64> {
    let mut ns = 0u64;
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(stat) = std::fs::read_to_string(t.ok()?.path().join("schedstat")) else {
            continue; // the thread ended meanwhile
        };
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns / 1000)
}

/// Resident set size of `pid` in bytes.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The 1-minute load average.
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Raises the soft open-file limit to the hard limit; returns the new soft limit.
pub fn raise_nofile() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 1024;
        }
        r.rlim_cur = r.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
    }
    r.rlim_cur
}

/// A non-blocking TCP connect from `source` (port chosen by the kernel among
/// that address's own ports) to `dest`. The socket closes with a reset
/// (SO_LINGER 0) so no TIME_WAIT is left behind on the generator's side.
pub fn connect_from(
    source: Option<std::net::Ipv4Addr>,
    dest: SocketAddr,
) -> io::Result<mio::net::TcpStream> {
    let SocketAddr::V4(dest) = dest else {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "IPv4 targets only",
        ));
    };
    // SAFETY: a fresh socket fd, owned by the TcpStream built from it below
    // (which closes it), or closed here on every error path.
    unsafe {
        let fd = libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let fail = |fd| {
            let e = io::Error::last_os_error();
            libc::close(fd);
            Err(e)
        };
        let one: libc::c_int = 1;
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&one as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        );
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        );
        if let Some(src) = source {
            let sa = sockaddr(SocketAddrV4::new(src, 0));
            if libc::bind(
                fd,
                (&sa as *const libc::sockaddr_in).cast(),
                size_of::<libc::sockaddr_in>() as libc::socklen_t,
            ) != 0
            {
                return fail(fd);
            }
        }
        let sa = sockaddr(dest);
        let rc = libc::connect(
            fd,
            (&sa as *const libc::sockaddr_in).cast(),
            size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        if rc != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINPROGRESS) {
            return fail(fd);
        }
        Ok(mio::net::TcpStream::from_std(
            std::net::TcpStream::from_raw_fd(fd),
        ))
    }
}

fn sockaddr(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*a.ip()).to_be(),
        },
        sin_zero: [0; 8],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_cpu_and_rss() {
        let pid = std::process::id();
        assert!(rss_bytes(pid).unwrap() > 0);
        assert!(cpu_us(pid).is_some());
        assert!(threads_cpu_us(pid).unwrap() > 0);
        assert!(threads_cpu_us(u32::MAX).is_none());
        assert!(rss_bytes(u32::MAX).is_none());
    }
}
