#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// A program file the kernel opened for an execve, and the process that exec'd it.
struct ExecOpen {
    std::uint32_t pid = 0;  // thread group id of the exec'ing process
    Fd file;                // opened by the kernel for us, read-only
};

// Walks a buffer read from a fanotify fd (struct fanotify_event_metadata records), calling
// `on_event(pid, fd, mask)` for each; `fd` is ours to close (-1 for a queue overflow). Stops
// with an Error at a malformed record (wrong version, length out of bounds). Never trusts a
// length field.
Result<void> parse_fanotify_events(
    std::span<const std::uint8_t> buffer,
    const std::function<void(std::uint32_t pid, int fd, std::uint64_t mask)>& on_event);

// Files opened for execution, straight from the kernel (fanotify FAN_OPEN_EXEC on every
// filesystem that may hold programs): at each execve the kernel hands us the program file
// itself, so its identity is known even when the process exits before /proc can be read.
// A script shows up as the script, then its interpreter; a dynamic ELF program as the program,
// then its loader. Needs CAP_SYS_ADMIN. Non-blocking fd for the event loop; one owning thread.
class ExecWatch {
  public:
    struct Counters {
        std::uint64_t events = 0;
        std::uint64_t overflows = 0;  // the kernel's queue overflowed: some execs were missed
        std::uint64_t malformed = 0;
    };

    // Marks every filesystem mounted in our mount namespace (read from `mountinfo_path`) that
    // may hold programs. Error when fanotify is unavailable or no filesystem could be marked.
    static Result<ExecWatch> open(const std::string& mountinfo_path = "/proc/self/mountinfo");

    [[nodiscard]] int fd() const { return fanotify_.get(); }
    [[nodiscard]] std::size_t filesystems() const { return filesystems_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }

    // Appends waiting exec opens (at most about `max_events`) without blocking. Returns true
    // when the kernel reported a queue overflow since the last read.
    Result<bool> read(std::vector<ExecOpen>& opens, std::size_t max_events);

  private:
    ExecWatch(Fd fanotify, std::size_t filesystems)
        : fanotify_(std::move(fanotify)), filesystems_(filesystems) {}

    Fd fanotify_;
    std::size_t filesystems_ = 0;
    Counters counters_;
};

}  // namespace sluice
