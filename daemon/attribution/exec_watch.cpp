#include "daemon/attribution/exec_watch.hpp"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include "daemon/attribution/mountinfo.hpp"

namespace sluice {

namespace {

constexpr std::size_t kReadBufferBytes = 16 * 1024;
constexpr std::size_t kMaxMountinfoBytes = std::size_t{4} * 1024 * 1024;

std::string read_text(const std::string& path) {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    if (!fd) {
        return text;
    }
    std::array<char, 16384> chunk{};
    while (text.size() < kMaxMountinfoBytes) {
        const ssize_t length = ::read(fd.get(), chunk.data(), chunk.size());
        if (length < 0 && errno == EINTR) {
            continue;
        }
        if (length <= 0) {
            break;
        }
        text.append(chunk.data(), static_cast<std::size_t>(length));
    }
    return text;
}

}  // namespace

Result<void> parse_fanotify_events(
    std::span<const std::uint8_t> buffer,
    const std::function<void(std::uint32_t pid, int fd, std::uint64_t mask)>& on_event) {
    while (!buffer.empty()) {
        if (buffer.size() < sizeof(fanotify_event_metadata)) {
            return Error{"fanotify record cut short: " + std::to_string(buffer.size()) + " bytes"};
        }
        fanotify_event_metadata metadata{};
        std::memcpy(&metadata, buffer.data(), sizeof(metadata));
        if (metadata.vers != FANOTIFY_METADATA_VERSION) {
            return Error{"fanotify record version " + std::to_string(metadata.vers) +
                         ", expected " + std::to_string(FANOTIFY_METADATA_VERSION)};
        }
        if (metadata.event_len < sizeof(metadata) || metadata.event_len > buffer.size()) {
            return Error{"fanotify record length " + std::to_string(metadata.event_len) +
                         " out of bounds"};
        }
        on_event(static_cast<std::uint32_t>(metadata.pid), metadata.fd, metadata.mask);
        buffer = buffer.subspan(metadata.event_len);
    }
    return {};
}

Result<ExecWatch> ExecWatch::open(const std::string& mountinfo_path) {
    Fd fanotify(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                                O_RDONLY | O_LARGEFILE | O_CLOEXEC));
    if (!fanotify) {
        return Error::from_errno("creating fanotify group for exec events");
    }
    std::set<std::string> devices;
    std::size_t marked = 0;
    Error last_error{"no filesystem that may hold programs is mounted"};
    for (const MountEntry& mount : parse_mountinfo(read_text(mountinfo_path))) {
        if (!may_hold_programs(mount.fs_type) || devices.contains(mount.device)) {
            continue;
        }
        // One mark per filesystem covers every mount of it, in every mount namespace.
        if (::fanotify_mark(fanotify.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC,
                            AT_FDCWD, mount.mount_point.c_str()) != 0) {
            last_error = Error::from_errno("marking " + mount.mount_point + " for exec events");
            continue;
        }
        devices.insert(mount.device);
        ++marked;
    }
    if (marked == 0) {
        return last_error;
    }
    return ExecWatch(std::move(fanotify), marked);
}

Result<bool> ExecWatch::read(std::vector<ExecOpen>& opens, std::size_t max_events) {
    alignas(fanotify_event_metadata) std::array<std::uint8_t, kReadBufferBytes> buffer{};
    bool overflowed = false;
    std::size_t seen = 0;
    while (seen < max_events) {
        const ssize_t length = ::read(fanotify_.get(), buffer.data(), buffer.size());
        if (length < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            return Error::from_errno("reading exec events");
        }
        if (length == 0) {
            break;
        }
        const auto parsed = parse_fanotify_events(
            std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(length)),
            [&](std::uint32_t pid, int fd, std::uint64_t mask) {
                Fd file(fd);
                ++seen;
                if ((mask & FAN_Q_OVERFLOW) != 0) {
                    ++counters_.overflows;
                    overflowed = true;
                    return;
                }
                if ((mask & FAN_OPEN_EXEC) != 0 && file) {
                    ++counters_.events;
                    opens.push_back({pid, std::move(file)});
                }
            });
        if (!parsed.ok()) {
            ++counters_.malformed;
            break;
        }
    }
    return overflowed;
}

}  // namespace sluice
