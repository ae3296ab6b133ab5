// Process attribution under a crowd: 1,000 background processes holding 20 sockets each (all
// of the benchmark's own uid, the worst case for the /proc search), then the latency of
// attributing new connections, printed as p50/p99, and the CPU the process table costs at idle.
// Needs root (proc connector, exec watch). Figures only; nothing here asserts timing.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/attribution/exe_identity_cache.hpp"
#include "daemon/attribution/process_attributor.hpp"
#include "daemon/attribution/socket_lookup.hpp"
#include "daemon/base/fd.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using sluice::Connection;
using sluice::Fd;
using sluice::ProcessAttributor;

constexpr int kBackgroundProcesses = 1000;
constexpr int kSocketsEach = 20;
constexpr std::uint16_t kDiscardPort = 9;  // connected UDP sockets: a full tuple, no traffic

std::vector<pid_t> g_background;
std::unique_ptr<ProcessAttributor> g_attributor;

Fd connected_udp_socket() {
    Fd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kDiscardPort);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!socket ||
        ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
        std::perror("connect");
        std::exit(1);
    }
    return socket;
}

std::uint16_t local_port(const Fd& socket) {
    sockaddr_in local{};
    socklen_t length = sizeof(local);
    ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&local), &length);
    return ntohs(local.sin_port);
}

Connection connection_of(std::uint16_t port) {
    Connection connection;
    connection.protocol = sluice::Protocol::kUdp;
    connection.local_address = *sluice::IpAddress::parse("127.0.0.1");
    connection.remote_address = *sluice::IpAddress::parse("127.0.0.1");
    connection.local_port = port;
    connection.remote_port = kDiscardPort;
    return connection;
}

// Child modes of this binary, started with posix_spawn (no copy of the measuring process's
// memory, whose copy-on-write faults would otherwise be measured). fd 3 is the report pipe.
constexpr const char* kHoldSockets = "--hold-sockets";
constexpr const char* kConnectOnce = "--connect-once";
constexpr int kReportFd = 3;

int run_child(const char* mode) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<Fd> sockets;
    const int count = std::string_view(mode) == kHoldSockets ? kSocketsEach : 1;
    for (int s = 0; s < count; ++s) {
        sockets.push_back(connected_udp_socket());
    }
    const std::uint16_t port = local_port(sockets.back());
    static_cast<void>(::write(kReportFd, &port, sizeof(port)));
    ::close(kReportFd);
    for (;;) {
        ::pause();
    }
}

std::string g_self;

// Starts this binary in `mode` and returns its pid and the port it reported.
std::pair<pid_t, std::uint16_t> spawn_child(const char* mode) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, report[1], kReportFd);
    char* const arguments[] = {g_self.data(), const_cast<char*>(mode), nullptr};
    pid_t child = 0;
    if (::posix_spawn(&child, g_self.c_str(), &actions, nullptr, arguments, environ) != 0) {
        std::perror("posix_spawn");
        std::exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(report[1]);
    std::uint16_t port = 0;
    static_cast<void>(::read(report[0], &port, sizeof(port)));
    ::close(report[0]);
    return {child, port};
}

void start_background() {
    for (int i = 0; i < kBackgroundProcesses; ++i) {
        g_background.push_back(spawn_child(kHoldSockets).first);
    }
}

void stop_background() {
    for (const pid_t child : g_background) {
        ::kill(child, SIGKILL);
    }
    for (const pid_t child : g_background) {
        ::waitpid(child, nullptr, 0);
    }
}

double percentile(std::vector<double> samples, double fraction) {
    if (samples.empty()) {
        return 0;
    }
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
    return samples[index];
}

// Wall time per lookup, and the thread's CPU time (user + kernel) for it: on a loaded machine
// the wall figures include waiting for a CPU, the CPU figures are the work itself.
struct Samples {
    std::vector<double> wall_us;
    std::vector<double> cpu_us;
};

double thread_cpu_now_us() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

template <typename Lookup>
void measure(benchmark::State& state, Samples& samples, Lookup&& lookup) {
    const double cpu_start = thread_cpu_now_us();
    const auto start = Clock::now();
    lookup();
    const std::chrono::duration<double> took = Clock::now() - start;
    samples.cpu_us.push_back(thread_cpu_now_us() - cpu_start);
    state.SetIterationTime(took.count());
    samples.wall_us.push_back(took.count() * 1e6);
}

void report(benchmark::State& state, const Samples& samples, int wrong) {
    state.counters["p50_us"] = percentile(samples.wall_us, 0.50);
    state.counters["p99_us"] = percentile(samples.wall_us, 0.99);
    state.counters["cpu_p50_us"] = percentile(samples.cpu_us, 0.50);
    state.counters["cpu_p99_us"] = percentile(samples.cpu_us, 0.99);
    state.counters["unattributed"] = wrong;
}

// In the daemon the event loop applies process events as they arrive, so a lookup only meets
// the few that came in the last microseconds: apply them outside the measured part.
void catch_up() {
    g_attributor->drain_events(4096);
}

// A long-running process (this one, older than the crowd) opening a new connection each time:
// a new socket inode nobody has seen, so the inode cache misses and the /proc search runs. Its
// first connections cost searches through the crowd (each demotes what it read in vain) until
// it is found once; that first contact is reported apart from the steady state.
void BM_NewConnectionOfABusyProcess(benchmark::State& state) {
    const auto contact_start = Clock::now();
    int contact_lookups = 0;
    for (bool found = false; !found && contact_lookups < 10000; ++contact_lookups) {
        const Fd socket = connected_udp_socket();
        Connection connection = connection_of(local_port(socket));
        catch_up();
        g_attributor->attribute(connection, std::nullopt, std::nullopt);
        found = connection.pid == static_cast<std::uint32_t>(::getpid());
    }
    state.counters["first_contact_lookups"] = contact_lookups;
    state.counters["first_contact_ms"] =
        std::chrono::duration<double, std::milli>(Clock::now() - contact_start).count();
    Samples samples;
    int wrong = 0;
    for (auto _ : state) {
        const Fd socket = connected_udp_socket();
        Connection connection = connection_of(local_port(socket));
        catch_up();
        measure(state, samples, [&] {
            benchmark::DoNotOptimize(
                g_attributor->attribute(connection, std::nullopt, std::nullopt));
        });
        wrong += connection.pid != static_cast<std::uint32_t>(::getpid()) ? 1 : 0;
    }
    report(state, samples, wrong);
}
BENCHMARK(BM_NewConnectionOfABusyProcess)->UseManualTime()->Iterations(5000);

// The floor of a just-started process's attribution: what any attributor has to ask the
// kernel, without a process table: the sock_diag query for the inode, then /proc/PID/fd of the
// (here known) pid listed and its links read, newest descriptor first, until the socket. The
// kernel's cost of a new process's first /proc/PID/fd listing, and the VM's syscall tail, show
// here. True when the socket was found.
bool floor_lookup(sluice::SocketLookup& lookup, int proc, pid_t pid, const Connection& connection,
                  std::vector<int>& fds) {
    const auto owner =
        lookup.find(connection.protocol, connection.local_address, connection.local_port,
                    connection.remote_address, connection.remote_port);
    if (!owner || !*owner) {
        return false;
    }
    const std::string wanted = "socket:[" + std::to_string((*owner)->inode) + "]";
    const std::string directory = std::to_string(pid) + "/fd";
    const Fd listing(::openat(proc, directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    alignas(8) char entries[4096];
    const long got = ::syscall(SYS_getdents64, listing.get(), entries, sizeof(entries));
    fds.clear();
    for (long at = 0; at < got;) {
        const auto* entry = reinterpret_cast<const dirent64*>(entries + at);
        if (entry->d_name[0] != '.') {
            fds.push_back(std::atoi(entry->d_name));
        }
        at += entry->d_reclen;
    }
    std::sort(fds.begin(), fds.end(), std::greater<>());
    char link[64];
    for (const int fd : fds) {
        const ssize_t length =
            ::readlinkat(listing.get(), std::to_string(fd).c_str(), link, sizeof(link));
        if (length > 0 && std::string_view(link, static_cast<std::size_t>(length)) == wanted) {
            return true;
        }
    }
    return false;
}

// A process started just now connects: its fork and exec events are in the table (applied as
// they came, as the daemon's loop does), and it is the youngest process of its uid. Each
// iteration also measures the floor above on another just-started process, interleaved so both
// meet the same machine; floor_* counters and the ratios compare them.
void BM_NewConnectionOfANewProcess(benchmark::State& state) {
    auto lookup = sluice::SocketLookup::open();
    const Fd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!lookup || !proc) {
        state.SkipWithError("no sock_diag or /proc");
        return;
    }
    Samples samples;
    Samples floor;
    int wrong = 0;
    int floor_wrong = 0;
    std::vector<int> fds;
    for (auto _ : state) {
        {
            const auto [child, port] = spawn_child(kConnectOnce);
            Connection connection = connection_of(port);
            catch_up();
            measure(state, samples, [&] {
                benchmark::DoNotOptimize(
                    g_attributor->attribute(connection, std::nullopt, std::nullopt));
            });
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
            wrong += connection.pid != static_cast<std::uint32_t>(child) ? 1 : 0;
        }
        {
            const auto [child, port] = spawn_child(kConnectOnce);
            const Connection connection = connection_of(port);
            catch_up();
            const double cpu_start = thread_cpu_now_us();
            const auto start = Clock::now();
            const bool found = floor_lookup(*lookup, proc.get(), child, connection, fds);
            floor.wall_us.push_back(
                std::chrono::duration<double, std::micro>(Clock::now() - start).count());
            floor.cpu_us.push_back(thread_cpu_now_us() - cpu_start);
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
            floor_wrong += found ? 0 : 1;
        }
    }
    report(state, samples, wrong);
    state.counters["floor_p50_us"] = percentile(floor.wall_us, 0.50);
    state.counters["floor_p99_us"] = percentile(floor.wall_us, 0.99);
    state.counters["floor_not_found"] = floor_wrong;
    state.counters["p50_vs_floor"] =
        percentile(samples.wall_us, 0.50) / percentile(floor.wall_us, 0.50);
    state.counters["p99_vs_floor"] =
        percentile(samples.wall_us, 0.99) / percentile(floor.wall_us, 0.99);
}
BENCHMARK(BM_NewConnectionOfANewProcess)->UseManualTime()->Iterations(1000);

// The same connection again (a retransmitted SYN, a second packet before the verdict): the
// inode cache answers after one readlink.
void BM_KnownSocket(benchmark::State& state) {
    const Fd socket = connected_udp_socket();
    const std::uint16_t port = local_port(socket);
    Connection warm = connection_of(port);
    g_attributor->attribute(warm, std::nullopt, std::nullopt);
    Samples samples;
    int wrong = 0;
    for (auto _ : state) {
        Connection connection = connection_of(port);
        catch_up();
        measure(state, samples, [&] {
            benchmark::DoNotOptimize(
                g_attributor->attribute(connection, std::nullopt, std::nullopt));
        });
        wrong += connection.pid != static_cast<std::uint32_t>(::getpid()) ? 1 : 0;
    }
    report(state, samples, wrong);
}
BENCHMARK(BM_KnownSocket)->UseManualTime()->Iterations(5000);

// Exe identity, first sight of a file: reading it for SHA-256 and MD5 (the dpkg map build is
// measured apart below; it happens once, on the hashing worker).
void BM_ExeDigestFirstSight(benchmark::State& state) {
    const Fd file(::open("/usr/bin/curl", O_RDONLY | O_CLOEXEC));
    const auto key = sluice::file_key_of(file.get());
    if (!key) {
        state.SkipWithError("no /usr/bin/curl");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(sluice::digest_file(file.get(), key->size));
    }
    state.counters["file_bytes"] = static_cast<double>(key->size);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * key->size));
}
BENCHMARK(BM_ExeDigestFirstSight)->Unit(benchmark::kMillisecond);

void BM_ExeIdentityCached(benchmark::State& state) {
    const std::string path = "/usr/bin/curl";
    const Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    const auto key = sluice::file_key_of(file.get());
    if (!key) {
        state.SkipWithError("no /usr/bin/curl");
        return;
    }
    sluice::ExeIdentityCache cache(sluice::DpkgDatabase(), {.background = false});
    const auto open = [&] { return Fd(::dup(file.get())); };
    static_cast<void>(cache.identify(*key, path, open));
    for (auto _ : state) {
        benchmark::DoNotOptimize(cache.identify(*key, path, open));
    }
}
BENCHMARK(BM_ExeIdentityCached);

void BM_DpkgDatabaseBuild(benchmark::State& state) {
    for (auto _ : state) {
        sluice::DpkgDatabase database;
        benchmark::DoNotOptimize(database.owners("/usr/bin/curl"));
        state.counters["paths"] = static_cast<double>(database.paths());
    }
}
BENCHMARK(BM_DpkgDatabaseBuild)->Unit(benchmark::kMillisecond)->Iterations(3);

double thread_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The event loop's share: wait on the event fds, drain them, nothing else, for `seconds`.
// With an event-fed table there is no periodic work; what shows is the system's own process
// churn (other programs forking and exiting) being applied.
void measure_idle(int seconds) {
    const auto fds = g_attributor->event_fds();
    std::vector<pollfd> waiting;
    for (const int fd : fds) {
        waiting.push_back({fd, POLLIN, 0});
    }
    const auto connector_before =
        g_attributor->connector_counters() ? g_attributor->connector_counters()->events : 0;
    const double cpu_before = thread_cpu_seconds();
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < end) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        ::poll(waiting.data(), waiting.size(), static_cast<int>(std::max<long>(left, 1)));
        g_attributor->drain_events(1024);
    }
    const double cpu = thread_cpu_seconds() - cpu_before;
    const auto events =
        (g_attributor->connector_counters() ? g_attributor->connector_counters()->events : 0) -
        connector_before;
    std::printf(
        "idle: %d s, process table thread CPU %.1f ms (%.3f%% of one core), %llu process events "
        "applied, %zu processes known\n",
        seconds, cpu * 1e3, cpu * 100.0 / seconds, static_cast<unsigned long long>(events),
        g_attributor->processes().live());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 &&
        (std::string_view(argv[1]) == kHoldSockets || std::string_view(argv[1]) == kConnectOnce)) {
        return run_child(argv[1]);
    }
    g_self = std::filesystem::read_symlink("/proc/self/exe").string();
    benchmark::Initialize(&argc, argv);
    // As in sluiced, whose queue thread runs at nice -10 (daemon.cpp).
    static_cast<void>(::setpriority(PRIO_PROCESS, 0, -10));
    ProcessAttributor::Options options;
    auto attributor = ProcessAttributor::create(options);
    if (!attributor) {
        std::fprintf(stderr, "bench_attribution: %s\n", attributor.error().message().c_str());
        return 1;
    }
    g_attributor = std::move(*attributor);
    if (const auto& problem = g_attributor->connector_problem()) {
        std::fprintf(stderr, "note: %s\n", problem->message().c_str());
    }
    const auto started = Clock::now();
    start_background();
    for (int round = 0; round < 64; ++round) {
        g_attributor->drain_events(4096);
    }
    std::printf("background: %d processes x %d sockets started in %.1f s; table knows %zu\n",
                kBackgroundProcesses, kSocketsEach,
                std::chrono::duration<double>(Clock::now() - started).count(),
                g_attributor->processes().live());
    benchmark::RunSpecifiedBenchmarks();
    const auto& counters = g_attributor->counters();
    std::printf("lookups %llu, inode cache hits %llu, searches %llu (out of time %llu)\n",
                static_cast<unsigned long long>(counters.lookups),
                static_cast<unsigned long long>(counters.inode_cache_hits),
                static_cast<unsigned long long>(counters.searches),
                static_cast<unsigned long long>(counters.searches_out_of_time));
    measure_idle(10);
    stop_background();
    g_attributor.reset();
    benchmark::Shutdown();
    return 0;
}
