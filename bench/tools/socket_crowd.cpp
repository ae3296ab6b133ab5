// A crowd for the attribution scenario: N processes, each holding M sockets, so that process
// lookups (sock_diag, /proc/*/fd walks, /proc/net tables) work against a busy machine.
//
//   socket_crowd [--processes 1000] [--sockets 20]
//
// Half of each process's sockets listen on TCP and half are bound UDP sockets, all on
// 127.0.0.1 with kernel-chosen ports, so they appear in the TCP and UDP socket tables. Prints
// "crowd ready: N processes x M sockets" when every process holds its sockets, then waits for
// SIGTERM/SIGINT and takes the whole crowd down. Children die with the parent (PDEATHSIG).

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "bench/tools/arguments.hpp"
#include "bench/tools/socket_address.hpp"
#include "daemon/base/fd.hpp"

namespace sluice::bench {
namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(120);
constexpr char kReady = 'r';
constexpr char kFailed = 'f';

// The child's whole life: open the sockets, report, wait to be told to go.
[[noreturn]] void be_member(unsigned sockets, pid_t parent, int report, const sigset_t& stop) {
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
        ::_exit(1);
    }
    std::vector<Fd> held;
    held.reserve(sockets);
    const SocketAddress loopback = SocketAddress::parse("127.0.0.1", 0);
    bool ok = true;
    for (unsigned i = 0; i < sockets && ok; ++i) {
        const bool tcp = i % 2 == 0;
        Fd socket(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
        ok = socket && ::bind(socket.get(), loopback.get(), loopback.length) == 0 &&
             (!tcp || ::listen(socket.get(), 1) == 0);
        held.push_back(std::move(socket));
    }
    const char status = ok ? kReady : kFailed;
    (void)::write(report, &status, 1);
    ::close(report);
    if (!ok) {
        ::_exit(1);
    }
    int signal = 0;
    (void)::sigwait(&stop, &signal);
    ::_exit(0);
}

int run(unsigned processes, unsigned sockets) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    // Blocked before forking, so the children inherit the mask and can sigwait for it too.
    if (::sigprocmask(SIG_BLOCK, &stop, nullptr) != 0) {
        std::perror("socket_crowd: cannot block signals");
        return 1;
    }
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) {
        std::perror("socket_crowd: pipe");
        return 1;
    }
    Fd report_read(pipe_ends[0]);
    Fd report_write(pipe_ends[1]);
    const pid_t parent = ::getpid();
    std::vector<pid_t> members;
    members.reserve(processes);
    bool failed = false;
    for (unsigned i = 0; i < processes; ++i) {
        const pid_t child = ::fork();
        if (child == 0) {
            report_read.reset();
            be_member(sockets, parent, report_write.release(), stop);
        }
        if (child < 0) {
            std::perror("socket_crowd: fork");
            failed = true;
            break;
        }
        members.push_back(child);
    }
    report_write.reset();

    std::size_t ready = 0;
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (!failed && ready < members.size()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd readable{report_read.get(), POLLIN, 0};
        if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
            std::fprintf(stderr, "socket_crowd: only %zu of %zu processes got ready\n", ready,
                         members.size());
            failed = true;
            break;
        }
        char statuses[256];
        const ssize_t got = ::read(report_read.get(), statuses, sizeof statuses);
        if (got <= 0) {
            failed = true;
            break;
        }
        for (ssize_t i = 0; i < got; ++i) {
            if (statuses[i] != kReady) {
                std::fprintf(stderr, "socket_crowd: a process could not open its sockets\n");
                failed = true;
            }
        }
        ready += static_cast<std::size_t>(got);
    }
    if (!failed) {
        std::printf("crowd ready: %u processes x %u sockets\n", processes, sockets);
        std::fflush(stdout);
        int signal = 0;
        (void)::sigwait(&stop, &signal);
    }
    for (const pid_t member : members) {
        (void)::kill(member, SIGTERM);
    }
    for (const pid_t member : members) {
        (void)::waitpid(member, nullptr, 0);
    }
    return failed ? 1 : 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
    unsigned processes = 0;
    unsigned sockets = 0;
    try {
        sluice::bench::Arguments arguments(argc, argv);
        processes = static_cast<unsigned>(arguments.number("--processes", 1000));
        sockets = static_cast<unsigned>(arguments.number("--sockets", 20));
        arguments.finish();
        if (processes == 0 || processes > 100000 || sockets > 10000) {
            throw std::invalid_argument("--processes 1..100000, --sockets 0..10000");
        }
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "socket_crowd: %s\n", error.what());
        return 2;
    }
    return sluice::bench::run(processes, sockets);
}
