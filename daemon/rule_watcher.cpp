#include "daemon/rule_watcher.hpp"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sluice {

namespace {

// Whatever can change what a rules file or list loads as: written and closed, moved in or out,
// deleted, created (a symlink gets no close-write), its mode changed (made readable), and the
// directory itself going away.
constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                     IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                     IN_ONLYDIR;

constexpr std::size_t kEventBufferBytes = std::size_t{16} * 1024;

Result<void> add_to_epoll(int epoll, int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
        return Error::from_errno("cannot watch fd " + std::to_string(fd));
    }
    return {};
}

}  // namespace

bool RuleWatcher::Filter::matches(const std::string& name) const {
    if (name.empty()) {
        return true;  // the directory itself
    }
    if (names.contains(name)) {
        return true;
    }
    return rule_files && name.front() != '.' && name.size() > 5 && name.ends_with(".yaml");
}

Result<RuleWatcher> RuleWatcher::create(std::chrono::milliseconds settle) {
    Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) {
        return Error::from_errno("cannot create epoll instance for the rule watcher");
    }
    Fd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify) {
        return Error::from_errno("cannot create inotify instance for the rule watcher");
    }
    Fd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer) {
        return Error::from_errno("cannot create timerfd for the rule watcher");
    }
    for (const int fd : {inotify.get(), timer.get()}) {
        if (auto added = add_to_epoll(epoll.get(), fd); !added) {
            return added.error();
        }
    }
    return RuleWatcher(std::move(epoll), std::move(inotify), std::move(timer), settle);
}

Result<void> RuleWatcher::watch(const std::vector<std::string>& rule_dirs,
                                const std::vector<std::string>& files) {
    namespace fs = std::filesystem;
    std::map<std::string, Filter> wanted;
    for (const auto& dir : rule_dirs) {
        wanted[dir].rule_files = true;
    }
    for (const auto& file : files) {
        const fs::path path(file);
        const auto dir = path.has_parent_path() ? path.parent_path().string() : ".";
        wanted[dir].names.insert(path.filename().string());
    }
    std::map<int, Filter> next;
    for (const auto& [dir, filter] : wanted) {
        const int wd = ::inotify_add_watch(inotify_.get(), dir.c_str(), kWatchMask);
        if (wd < 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                continue;  // not there yet; the next watch() after a reload tries again
            }
            return Error::from_errno("cannot watch " + dir);
        }
        // Two paths to one directory (a symlink) share a watch: merge their filters.
        auto& merged = next[wd];
        merged.rule_files = merged.rule_files || filter.rule_files;
        merged.names.insert(filter.names.begin(), filter.names.end());
    }
    for (const auto& [wd, filter] : watches_) {
        if (!next.contains(wd)) {
            (void)::inotify_rm_watch(inotify_.get(), wd);
        }
    }
    watches_ = std::move(next);
    return {};
}

// Drains the inotify fd; true when any event concerns a watched rule source.
bool RuleWatcher::read_events() {
    alignas(inotify_event) std::array<char, kEventBufferBytes> buffer;
    bool relevant = false;
    for (;;) {
        const ssize_t length = ::read(inotify_.get(), buffer.data(), buffer.size());
        if (length <= 0) {
            return relevant;  // EAGAIN: drained
        }
        for (std::size_t offset = 0;
             offset + sizeof(inotify_event) <= static_cast<std::size_t>(length);) {
            inotify_event event;
            std::memcpy(&event, buffer.data() + offset, sizeof event);
            const char* name_start = buffer.data() + offset + sizeof event;
            const std::size_t name_room = std::min<std::size_t>(
                event.len, static_cast<std::size_t>(length) - offset - sizeof event);
            const std::string name(name_start, ::strnlen(name_start, name_room));
            offset += sizeof event + event.len;
            if ((event.mask & IN_Q_OVERFLOW) != 0) {
                relevant = true;  // events were lost: reload to be safe
                continue;
            }
            const auto watch = watches_.find(event.wd);
            if (watch != watches_.end() && watch->second.matches(name)) {
                relevant = true;
            }
        }
    }
}

void RuleWatcher::arm_timer() {
    const auto now = std::chrono::steady_clock::now();
    if (!pending_) {
        pending_ = true;
        first_event_ = now;
    }
    const auto due = std::min(now + settle_, first_event_ + kMaxDelay);
    const auto wait = std::max(std::chrono::nanoseconds(1),
                               std::chrono::duration_cast<std::chrono::nanoseconds>(due - now));
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
    // Re-arming also resets the expiration count, so an older expiry does not fire early.
    (void)::timerfd_settime(timer_.get(), 0, &spec, nullptr);
}

bool RuleWatcher::on_readable() {
    if (read_events()) {
        arm_timer();
    }
    std::uint64_t expirations = 0;
    if (::read(timer_.get(), &expirations, sizeof expirations) !=
            static_cast<ssize_t>(sizeof expirations) ||
        !pending_) {
        return false;
    }
    pending_ = false;
    return true;
}

}  // namespace sluice
