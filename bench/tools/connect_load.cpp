// Load generator for the bench scenarios: new TCP connections or new UDP flows, as fast as the
// path through the firewall lets them complete.
//
//   connect_load --mode tcp --host IP --ports 9000-9007 [--parallel N] [--count N] [--duration S]
//   connect_load --mode udp --host IP --ports 9100-9163 [--packets K]
//                [--source-ports 10000-60999] [--parallel N] [--count N] [--duration S]
//   common: [--warmup N] [--timeout-ms MS]; --port P is --ports P
//
// Runs --count connections or flows, or for --duration seconds (5 when neither is given), or
// until the first of the two when both are. Successive connections of a client go to the
// --ports in turn, so a long run does not come back to a 5-tuple (and to a daemon's cache of
// recent flows) as soon as one destination's source ports are used up.
//
// TCP: each client loops socket(), connect(), close(); the close sends a reset (SO_LINGER 0) so
// no TIME_WAIT pins the port and every connection is a new flow with a fresh conntrack entry.
// The connect() time is the latency: SYN out, through the queue when there is one, SYN-ACK in.
// UDP: each flow binds the next unused source port (a distinct 5-tuple even while the previous
// flows' conntrack entries live) and exchanges K datagrams with the echoing sink_server, one at a
// time; the first exchange is the latency. Prints one JSON object on stdout.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/tools/arguments.hpp"
#include "bench/tools/socket_address.hpp"
#include "daemon/base/fd.hpp"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum class Mode : std::uint8_t { kTcp, kUdp };

struct LoadOptions {
    Mode mode = Mode::kTcp;
    std::string host;
    std::vector<std::uint16_t> ports;         // TCP: the first; UDP: flows spread over all
    std::vector<std::uint16_t> source_ports;  // UDP only, each used once per run
    unsigned parallel = 1;
    std::uint64_t count = 0;      // 0: no limit on the count
    double duration_seconds = 0;  // 0: no limit on the time (only with a count)
    std::uint64_t warmup = 0;
    unsigned packets = 2;
    int timeout_ms = 2000;
};

struct WorkerResult {
    std::vector<std::int64_t> latencies_ns;
    std::uint64_t completed = 0;
    std::uint64_t errors = 0;
    std::uint64_t lost = 0;  // UDP datagrams whose echo did not come back in time
    int first_errno = 0;
    bool ran_out_of_ports = false;
};

timeval to_timeval(int milliseconds) {
    return timeval{milliseconds / 1000, static_cast<suseconds_t>((milliseconds % 1000) * 1000)};
}

// What one connection or flow came to; the latency only when completed.
struct Attempt {
    enum class Outcome : std::uint8_t { kCompleted, kFailed, kPortTaken, kNoPortLeft };
    Outcome outcome = Outcome::kFailed;
    std::int64_t latency_ns = 0;
};

Attempt completed_after(Clock::time_point started) {
    return {Attempt::Outcome::kCompleted,
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count()};
}

// Counts the failure (errno says why) and returns it as the attempt's outcome.
Attempt failed(WorkerResult& result) {
    ++result.errors;
    if (result.first_errno == 0) {
        result.first_errno = errno;
    }
    return {Attempt::Outcome::kFailed, 0};
}

// One connect()+close(); the latency is the connect() time.
Attempt tcp_connection(const SocketAddress& target, int timeout_ms, WorkerResult& result) {
    Fd socket(::socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket) {
        return failed(result);
    }
    const linger reset_on_close{1, 0};
    (void)::setsockopt(socket.get(), SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
    // connect() gives up after SO_SNDTIMEO instead of the kernel's SYN retry schedule.
    const timeval timeout = to_timeval(timeout_ms);
    (void)::setsockopt(socket.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const auto started = Clock::now();
    if (::connect(socket.get(), target.get(), target.length) != 0) {
        return failed(result);
    }
    return completed_after(started);
}

// One UDP flow from `source_port`; the latency is the first exchange's round trip. kPortTaken
// when another socket holds the source port (try the next one).
Attempt udp_flow(const SocketAddress& target, std::uint16_t source_port, unsigned packets,
                 int timeout_ms, WorkerResult& result) {
    Fd socket(::socket(target.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket) {
        return failed(result);
    }
    SocketAddress local = SocketAddress::any(target.family(), source_port);
    if (::bind(socket.get(), local.get(), local.length) != 0) {
        if (errno == EADDRINUSE) {
            return {Attempt::Outcome::kPortTaken, 0};
        }
        return failed(result);
    }
    const timeval timeout = to_timeval(timeout_ms);
    (void)::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(socket.get(), target.get(), target.length) != 0) {
        return failed(result);
    }
    std::array<char, 64> payload{};
    std::array<char, 2048> echo{};
    Attempt first_exchange;
    for (unsigned i = 0; i < packets; ++i) {
        const auto started = Clock::now();
        if (::send(socket.get(), payload.data(), payload.size(), 0) < 0) {
            return failed(result);
        }
        if (::recv(socket.get(), echo.data(), echo.size(), 0) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                result.lost += packets - i;
            }
            return failed(result);
        }
        if (i == 0) {
            first_exchange = completed_after(started);
        }
    }
    return first_exchange;
}

class Worker {
  public:
    Worker(const LoadOptions& options, unsigned index) : options_(options) {
        target_ = SocketAddress::parse(options.host, options.ports.front());
        // Each worker owns a disjoint slice of the source ports, so no two flows share one.
        const std::size_t slice = options.source_ports.size() / options.parallel;
        source_begin_ = index * slice;
        source_end_ =
            index + 1 == options.parallel ? options.source_ports.size() : source_begin_ + slice;
        next_source_ = source_begin_;
    }

    // Runs `count` iterations (or until `stop`); keeps their figures only when `measured`.
    void run(std::uint64_t count, const std::atomic<bool>& stop, bool measured) {
        for (std::uint64_t done = 0; (count == 0 || done < count) && !stop.load(); ++done) {
            const Attempt attempt = once();
            if (attempt.outcome == Attempt::Outcome::kNoPortLeft) {
                result_.ran_out_of_ports = true;
                break;
            }
            if (attempt.outcome == Attempt::Outcome::kCompleted) {
                result_.latencies_ns.push_back(attempt.latency_ns);
                ++result_.completed;
            }
        }
        if (!measured) {
            result_ = WorkerResult{};
        }
    }

    [[nodiscard]] const WorkerResult& result() const { return result_; }

  private:
    // One connection or flow, to the next of the destination ports.
    Attempt once() {
        target_.set_port(options_.ports[flows_ % options_.ports.size()]);
        if (options_.mode == Mode::kTcp) {
            ++flows_;
            return tcp_connection(target_, options_.timeout_ms, result_);
        }
        for (;;) {
            if (next_source_ >= source_end_) {
                return {Attempt::Outcome::kNoPortLeft, 0};
            }
            const std::uint16_t source = options_.source_ports[next_source_++];
            const Attempt attempt =
                udp_flow(target_, source, options_.packets, options_.timeout_ms, result_);
            if (attempt.outcome != Attempt::Outcome::kPortTaken) {
                ++flows_;
                return attempt;
            }
        }
    }

    const LoadOptions& options_;
    SocketAddress target_;
    std::size_t source_begin_ = 0;
    std::size_t source_end_ = 0;
    std::size_t next_source_ = 0;
    std::uint64_t flows_ = 0;
    WorkerResult result_;
};

double percentile_us(const std::vector<std::int64_t>& sorted_ns, double fraction) {
    if (sorted_ns.empty()) {
        return 0;
    }
    // Nearest rank: the smallest value with at least `fraction` of the samples at or below it.
    const auto rank =
        static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted_ns.size())));
    const std::size_t index = std::clamp<std::size_t>(rank, 1, sorted_ns.size()) - 1;
    return static_cast<double>(sorted_ns[index]) / 1000.0;
}

int run(const LoadOptions& options) {
    std::vector<Worker> workers;
    workers.reserve(options.parallel);
    for (unsigned i = 0; i < options.parallel; ++i) {
        workers.emplace_back(options, i);
    }
    std::atomic<bool> stop{false};
    std::mutex finished_mutex;
    std::condition_variable finished_changed;
    unsigned finished = 0;
    std::latch warmed_up(options.parallel + 1);
    std::latch start(1);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < options.parallel; ++i) {
        threads.emplace_back([&, i] {
            const std::uint64_t share =
                options.count / options.parallel + (i < options.count % options.parallel ? 1 : 0);
            if (options.warmup > 0) {
                workers[i].run((options.warmup + options.parallel - 1) / options.parallel, stop,
                               false);
            }
            warmed_up.count_down();
            start.wait();
            workers[i].run(options.count == 0 ? 0 : std::max<std::uint64_t>(share, 1), stop, true);
            const std::lock_guard lock(finished_mutex);
            ++finished;
            finished_changed.notify_one();
        });
    }
    warmed_up.arrive_and_wait();
    const auto started = Clock::now();
    start.count_down();
    {
        std::unique_lock lock(finished_mutex);
        auto all_finished = [&] { return finished == options.parallel; };
        if (options.duration_seconds > 0) {
            finished_changed.wait_until(
                lock,
                started + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.duration_seconds)),
                all_finished);
        } else {
            finished_changed.wait(lock, all_finished);
        }
    }
    stop.store(true);
    for (auto& thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    std::vector<std::int64_t> latencies;
    std::uint64_t completed = 0;
    std::uint64_t errors = 0;
    std::uint64_t lost = 0;
    int first_errno = 0;
    bool ran_out_of_ports = false;
    for (const auto& worker : workers) {
        const auto& result = worker.result();
        latencies.insert(latencies.end(), result.latencies_ns.begin(), result.latencies_ns.end());
        completed += result.completed;
        errors += result.errors;
        lost += result.lost;
        ran_out_of_ports = ran_out_of_ports || result.ran_out_of_ports;
        if (first_errno == 0) {
            first_errno = result.first_errno;
        }
    }
    std::sort(latencies.begin(), latencies.end());
    const bool tcp = options.mode == Mode::kTcp;
    std::printf(
        "{\"mode\": \"%s\", \"parallel\": %u, \"completed\": %llu, \"errors\": %llu, "
        "\"lost\": %llu, \"first_error\": \"%s\", \"ran_out_of_ports\": %s, "
        "\"seconds\": %.4f, \"per_second\": %.1f, \"latency_us\": {\"p50\": %.1f, "
        "\"p99\": %.1f, \"p999\": %.1f, \"max\": %.1f}}\n",
        tcp ? "tcp" : "udp", options.parallel, static_cast<unsigned long long>(completed),
        static_cast<unsigned long long>(errors), static_cast<unsigned long long>(lost),
        first_errno == 0 ? "" : std::strerror(first_errno), ran_out_of_ports ? "true" : "false",
        seconds, seconds > 0 ? static_cast<double>(completed) / seconds : 0.0,
        percentile_us(latencies, 0.50), percentile_us(latencies, 0.99),
        percentile_us(latencies, 0.999), percentile_us(latencies, 1.0));
    return completed > 0 ? 0 : 1;
}

LoadOptions parse_options(int argc, char** argv) {
    Arguments arguments(argc, argv);
    LoadOptions options;
    const std::string mode = arguments.text("--mode", "tcp");
    if (mode != "tcp" && mode != "udp") {
        throw std::invalid_argument("--mode: tcp or udp");
    }
    options.mode = mode == "tcp" ? Mode::kTcp : Mode::kUdp;
    options.host = arguments.text("--host", "");
    if (options.host.empty()) {
        throw std::invalid_argument("--host is required");
    }
    const std::string port = arguments.text("--port", "");
    options.ports = parse_ports(arguments.text("--ports", port));
    if (options.ports.empty()) {
        throw std::invalid_argument("--port (or --ports) is required");
    }
    options.source_ports = parse_ports(arguments.text("--source-ports", "10000-60999"));
    options.parallel = static_cast<unsigned>(
        std::clamp<std::uint64_t>(arguments.number("--parallel", 1), 1, 1024));
    options.count = arguments.number("--count", 0);
    options.duration_seconds = arguments.seconds("--duration", options.count == 0 ? 5 : 0);
    if (options.count == 0 && options.duration_seconds == 0) {
        throw std::invalid_argument("--duration 0 needs a --count");
    }
    options.warmup = arguments.number("--warmup", 0);
    options.packets =
        static_cast<unsigned>(std::clamp<std::uint64_t>(arguments.number("--packets", 2), 1, 1000));
    options.timeout_ms = static_cast<int>(
        std::clamp<std::uint64_t>(arguments.number("--timeout-ms", 2000), 1, 600000));
    arguments.finish();
    if (options.mode == Mode::kUdp && options.source_ports.size() < options.parallel) {
        throw std::invalid_argument("--source-ports: fewer ports than --parallel clients");
    }
    (void)SocketAddress::parse(options.host, options.ports.front());
    return options;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
    sluice::bench::LoadOptions options;
    try {
        options = sluice::bench::parse_options(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "connect_load: %s\n", error.what());
        return 2;
    }
    return sluice::bench::run(options);
}
