#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// Tells the daemon when rule sources changed on disk: every "*.yaml" file of the rules
// directories, and named files (host/ip lists, the state file). It watches directories with
// inotify rather than the files themselves, because editors and package managers replace a
// file by renaming a new one over it, which a watch on the old inode would miss. A burst of
// events (an editor's save, a package upgrade) is coalesced: the reload is due once no event
// came for `settle`, and at the latest kMaxDelay after the first one.
//
// Thread: one owner, the event loop; fd() is the only thing it waits on. Nothing blocks.
class RuleWatcher {
  public:
    static constexpr std::chrono::milliseconds kDefaultSettle{100};
    static constexpr std::chrono::milliseconds kMaxDelay{500};

    static Result<RuleWatcher> create(std::chrono::milliseconds settle = kDefaultSettle);

    // One fd for the EventLoop (an epoll set holding the inotify fd and a timerfd): readable
    // when there are events to read or a coalesced reload is due.
    [[nodiscard]] int fd() const { return epoll_.get(); }

    // Watches exactly these from now on (replacing the previous set). A directory that does
    // not exist (yet) is skipped; call watch() again after each reload so directories and
    // lists that appeared since are picked up.
    Result<void> watch(const std::vector<std::string>& rule_dirs,
                       const std::vector<std::string>& files);

    // Call when fd() is readable. Reads the pending events; true when a coalesced burst of
    // relevant changes is due, i.e. when to reload the rules.
    bool on_readable();

    // How many directories are watched (for logs and tests).
    [[nodiscard]] std::size_t watched_directories() const { return watches_.size(); }

  private:
    struct Filter {
        bool rule_files = false;      // any "*.yaml" that is not hidden
        std::set<std::string> names;  // and these file names
        [[nodiscard]] bool matches(const std::string& name) const;
    };

    RuleWatcher(Fd epoll, Fd inotify, Fd timer, std::chrono::milliseconds settle)
        : epoll_(std::move(epoll)),
          inotify_(std::move(inotify)),
          timer_(std::move(timer)),
          settle_(settle) {}
    bool read_events();
    void arm_timer();

    Fd epoll_;
    Fd inotify_;
    Fd timer_;
    std::chrono::milliseconds settle_;
    std::map<int, Filter> watches_;  // by inotify watch descriptor
    bool pending_ = false;
    std::chrono::steady_clock::time_point first_event_;
};

}  // namespace sluice
