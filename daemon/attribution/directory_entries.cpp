#include "daemon/attribution/directory_entries.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstring>

namespace sluice {

DirectoryEntries::DirectoryEntries(int at, const char* path)
    : directory_(::openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}

namespace {

// The largest record getdents64 can return: a name of NAME_MAX bytes, its NUL, 8-byte aligned.
constexpr std::size_t kLargestRecord = (offsetof(dirent64, d_name) + 256 + 7) / 8 * 8;

}  // namespace

std::optional<std::string_view> DirectoryEntries::next() {
    while (directory_ && !at_end_) {
        if (position_ >= filled_) {
            const ssize_t got = ::getdents64(directory_.get(), buffer_.data(), buffer_.size());
            if (got <= 0) {
                at_end_ = true;
                return std::nullopt;
            }
            filled_ = static_cast<std::size_t>(got);
            position_ = 0;
            // getdents64 fills the buffer while the next record fits: room left for the
            // largest record means there was none, and the call that would say so is saved
            // (a syscall per /proc/PID/fd listing on the attribution path).
            last_batch_ = filled_ + kLargestRecord <= buffer_.size();
        }
        // The kernel lays records out 8-byte aligned in the buffer, itself 8-byte aligned.
        const auto* record = reinterpret_cast<const dirent64*>(buffer_.data() + position_);
        position_ += record->d_reclen;
        const std::size_t name_room = record->d_reclen - offsetof(dirent64, d_name);
        const std::string_view name(record->d_name, ::strnlen(record->d_name, name_room));
        if (position_ >= filled_ && last_batch_) {
            at_end_ = true;
        }
        if (name != "." && name != "..") {
            return name;
        }
    }
    return std::nullopt;
}

}  // namespace sluice
