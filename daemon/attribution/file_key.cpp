#include "daemon/attribution/file_key.hpp"

#include <sys/stat.h>

namespace sluice {

namespace {

std::int64_t nanoseconds(const timespec& time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

}  // namespace

bool same_content(const FileKey& a, const FileKey& b) {
    return a.device == b.device && a.inode == b.inode && a.size == b.size &&
           a.mtime_ns == b.mtime_ns;
}

std::size_t FileKeyHash::operator()(const FileKey& key) const noexcept {
    // The inode and device already tell files apart; the rest only separates versions.
    std::uint64_t mixed = key.inode * 0x9e3779b97f4a7c15ULL;
    mixed ^= key.device + 0x7f4a7c159e3779b9ULL + (mixed << 6) + (mixed >> 2);
    mixed ^= static_cast<std::uint64_t>(key.mtime_ns) + key.size + (mixed << 6) + (mixed >> 2);
    return static_cast<std::size_t>(mixed);
}

std::optional<FileKey> file_key_of(int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        return std::nullopt;
    }
    FileKey key;
    key.device = status.st_dev;
    key.inode = status.st_ino;
    key.size = static_cast<std::uint64_t>(status.st_size);
    key.mtime_ns = nanoseconds(status.st_mtim);
    key.ctime_ns = nanoseconds(status.st_ctim);
    return key;
}

}  // namespace sluice
