#include "daemon/netfilter/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>

#include "daemon/base/fd.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): unistd.h hides it

namespace sluice {

namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{64} * 1024;

// A spawned child that is killed and reaped on every early return, so no path leaks a zombie.
class ChildProcess {
  public:
    explicit ChildProcess(pid_t pid) : pid_(pid) {}
    ~ChildProcess() {
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&&) = delete;
    ChildProcess& operator=(ChildProcess&&) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }

    // The raw wait status, or -1 with errno set (ECHILD when someone else reaped it).
    int wait() {
        int status = 0;
        pid_t result = 0;
        do {
            result = ::waitpid(pid_, &status, 0);
        } while (result < 0 && errno == EINTR);
        reaped_ = true;
        return result < 0 ? -1 : status;
    }

  private:
    pid_t pid_;
    bool reaped_ = false;
};

struct SpawnFileActions {
    SpawnFileActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions); }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    SpawnFileActions(SpawnFileActions&&) = delete;
    SpawnFileActions& operator=(SpawnFileActions&&) = delete;
    posix_spawn_file_actions_t actions{};
};

struct SpawnAttributes {
    SpawnAttributes() { posix_spawnattr_init(&attributes); }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attributes); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    SpawnAttributes(SpawnAttributes&&) = delete;
    SpawnAttributes& operator=(SpawnAttributes&&) = delete;
    posix_spawnattr_t attributes{};
};

struct Pipe {
    Fd read_end;
    Fd write_end;
};

Result<Pipe> make_output_pipe(const std::string& description) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        return Error::from_errno("cannot create an output pipe for `" + description + "`");
    }
    Pipe pipe{Fd(ends[0]), Fd(ends[1])};
    if (::fcntl(pipe.read_end.get(), F_SETFL, O_NONBLOCK) != 0) {
        return Error::from_errno("cannot make the output pipe of `" + description +
                                 "` non-blocking");
    }
    return pipe;
}

// One of the child's output pipes and where its text goes; poll_index is its pollfd slot.
struct OutputStream {
    Fd* pipe;
    std::string* text;
    std::size_t poll_index;
};

enum class DrainState : std::uint8_t { kOpen, kEnded, kTooBig };

// Reads what the pipe holds now, without blocking.
DrainState drain(const Fd& pipe, std::string& output, std::size_t max_bytes) {
    std::array<char, kReadChunkBytes> chunk{};
    for (;;) {
        const ssize_t got = ::read(pipe.get(), chunk.data(), chunk.size());
        if (got > 0) {
            output.append(chunk.data(), static_cast<std::size_t>(got));
            if (output.size() > max_bytes) {
                return DrainState::kTooBig;
            }
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && errno == EAGAIN) {
            return DrainState::kOpen;
        }
        return DrainState::kEnded;
    }
}

}  // namespace

std::string Command::to_string() const {
    std::string text;
    for (const auto& word : argv) {
        if (!text.empty()) {
            text += ' ';
        }
        text += word;
    }
    return text;
}

Result<CommandOutput> ProcessCommandRunner::run(const Command& command) {
    const std::string description = command.to_string();
    if (command.argv.empty()) {
        return Error{"cannot run an empty command"};
    }

    // A socket rather than a pipe for stdin: send(MSG_NOSIGNAL) then reports a child that quit
    // early as EPIPE instead of raising SIGPIPE in the daemon.
    int input_ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input_ends) != 0) {
        return Error::from_errno("cannot create the stdin socket for `" + description + "`");
    }
    Fd input(input_ends[0]);
    Fd child_input(input_ends[1]);
    auto output_pipe = make_output_pipe(description);
    if (!output_pipe) {
        return output_pipe.error();
    }
    auto error_pipe = make_output_pipe(description);
    if (!error_pipe) {
        return error_pipe.error();
    }

    SpawnFileActions file_actions;
    posix_spawn_file_actions_adddup2(&file_actions.actions, child_input.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&file_actions.actions, output_pipe->write_end.get(),
                                     STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&file_actions.actions, error_pipe->write_end.get(),
                                     STDERR_FILENO);
    // The daemon blocks signals it reads through signalfd; the child must not inherit that.
    SpawnAttributes spawn_attributes;
    sigset_t no_signals;
    sigemptyset(&no_signals);
    sigset_t all_signals;
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&spawn_attributes.attributes, &no_signals);
    posix_spawnattr_setsigdefault(&spawn_attributes.attributes, &all_signals);
    posix_spawnattr_setflags(&spawn_attributes.attributes,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.reserve(command.argv.size() + 1);
    for (const auto& word : command.argv) {
        argv.push_back(const_cast<char*>(word.c_str()));  // NOLINT: exec's signature
    }
    argv.push_back(nullptr);

    pid_t pid = 0;
    const int spawn_error = ::posix_spawnp(&pid, argv[0], &file_actions.actions,
                                           &spawn_attributes.attributes, argv.data(), environ);
    if (spawn_error != 0) {
        return Error{"cannot run `" + description + "`", spawn_error};
    }
    ChildProcess child(pid);
    child_input.reset();
    output_pipe->write_end.reset();
    error_pipe->write_end.reset();

    // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and will not link from C++.
    Fd exit_notifier(static_cast<int>(::syscall(SYS_pidfd_open, child.pid(), 0)));
    if (!exit_notifier) {
        return Error::from_errno("cannot watch `" + description + "` (pidfd_open)");
    }

    CommandOutput result;
    Fd& standard_output = output_pipe->read_end;
    Fd& standard_error = error_pipe->read_end;
    const std::array<OutputStream, 2> streams{{
        {&standard_output, &result.standard_output, 1},
        {&standard_error, &result.standard_error, 2},
    }};
    std::size_t input_written = 0;
    if (command.standard_input.empty()) {
        input.reset();
    }
    const auto too_much_output = [&] {
        return Error{"`" + description + "` wrote more than " +
                     std::to_string(limits_.max_output_bytes) + " bytes of output; killed"};
    };
    const auto deadline = std::chrono::steady_clock::now() + limits_.timeout;
    bool exited = false;
    while (!exited) {
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (remaining.count() <= 0) {
            return Error{"`" + description + "` did not finish within " +
                         std::to_string(limits_.timeout.count()) + " ms; killed"};
        }
        std::array<pollfd, 4> watched{{
            {input.get(), POLLOUT, 0},
            {standard_output.get(), POLLIN, 0},
            {standard_error.get(), POLLIN, 0},
            {exit_notifier.get(), POLLIN, 0},
        }};
        const int ready =
            ::poll(watched.data(), watched.size(), static_cast<int>(remaining.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            return Error::from_errno("cannot wait for `" + description + "` (poll)");
        }
        if (input && watched[0].revents != 0) {
            const std::string& text = command.standard_input;
            const ssize_t sent = ::send(input.get(), text.data() + input_written,
                                        text.size() - input_written, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent > 0) {
                input_written += static_cast<std::size_t>(sent);
            }
            // A child that stops reading early ends our input; its exit status says why.
            if (input_written == text.size() || (sent < 0 && errno != EAGAIN && errno != EINTR)) {
                input.reset();
            }
        }
        for (const auto& stream : streams) {
            if (!*stream.pipe || watched[stream.poll_index].revents == 0) {
                continue;
            }
            const DrainState state = drain(*stream.pipe, *stream.text, limits_.max_output_bytes);
            if (state == DrainState::kTooBig) {
                return too_much_output();
            }
            if (state == DrainState::kEnded) {
                stream.pipe->reset();
            }
        }
        exited = (watched[3].revents & POLLIN) != 0;
    }
    // The exited child's last writes are already in the pipes; a grandchild still holding them
    // open must not make us wait, hence one non-blocking drain.
    for (const auto& stream : streams) {
        if (*stream.pipe &&
            drain(*stream.pipe, *stream.text, limits_.max_output_bytes) == DrainState::kTooBig) {
            return too_much_output();
        }
    }
    const int status = child.wait();
    if (status < 0) {
        return Error::from_errno("cannot learn the exit status of `" + description + "`");
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace sluice
