#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace sluice {

// A process found holding a socket: which one (pid + start time survive pid reuse) and under
// which descriptor number, so the claim is re-checked with a single readlink.
struct SocketHolder {
    std::uint32_t pid = 0;
    std::uint64_t start_time = 0;
    int fd = -1;

    friend bool operator==(const SocketHolder&, const SocketHolder&) = default;
};

// socket inode -> holder, filled lazily by /proc/PID/fd searches with every socket they pass.
// Entries may go stale (socket closed, fd passed on); users verify a hit before trusting it.
// Holds at most `capacity` inodes, dropping the oldest recorded first. One owning thread.
class SocketInodeCache {
  public:
    static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 17;

    explicit SocketInodeCache(std::size_t capacity = kDefaultCapacity);

    void record(std::uint64_t inode, const SocketHolder& holder);
    [[nodiscard]] std::optional<SocketHolder> find(std::uint64_t inode) const;
    void forget(std::uint64_t inode);
    [[nodiscard]] std::size_t size() const { return holders_.size(); }

  private:
    struct Slot {
        SocketHolder holder;
        std::uint64_t sequence = 0;
    };
    struct Recorded {
        std::uint64_t inode;
        std::uint64_t sequence;
    };
    void compact();

    std::size_t capacity_;
    std::unordered_map<std::uint64_t, Slot> holders_;
    std::deque<Recorded> order_;  // oldest first; may hold stale pairs, skipped by sequence
    std::uint64_t next_sequence_ = 1;
};

}  // namespace sluice
