#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice {

// uid -> user name and gid -> group name through NSS (getpwuid_r/getgrgid_r), remembering up
// to `capacity` answers per kind, unknown ids included, evicting the oldest first. A miss may
// block in NSS (sssd, LDAP): call it off the queue thread. Not thread-safe: one owning thread.
class UserNames {
  public:
    static constexpr std::size_t kDefaultCapacity = 256;

    explicit UserNames(std::size_t capacity = kDefaultCapacity);

    // nullopt when NSS knows no such id or the lookup failed (a failure is not remembered).
    std::optional<std::string> user_name(std::uint32_t uid);
    std::optional<std::string> group_name(std::uint32_t gid);

    // Forgets every answer, e.g. after /etc/passwd or /etc/group changed.
    void clear();
    // Answers remembered now, users and groups together.
    [[nodiscard]] std::size_t cached_entries() const;

  private:
    // Asks NSS for one id: false when the lookup failed (as opposed to an unknown id, which
    // sets `name` to nullopt and returns true), so the failure is not remembered.
    using Resolver = bool (*)(std::uint32_t id, std::optional<std::string>& name);

    class Cache {
      public:
        explicit Cache(std::size_t capacity) : capacity_(capacity) {}
        std::optional<std::string> resolve(std::uint32_t id, Resolver resolver);
        void clear();
        [[nodiscard]] std::size_t size() const { return names_.size(); }

      private:
        std::size_t capacity_;
        std::unordered_map<std::uint32_t, std::optional<std::string>> names_;
        std::deque<std::uint32_t> insertion_order_;
    };

    Cache users_;
    Cache groups_;
};

}  // namespace sluice
