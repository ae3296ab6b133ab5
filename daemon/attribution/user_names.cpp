#include "daemon/attribution/user_names.hpp"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <type_traits>
#include <vector>

namespace sluice {

namespace {

constexpr std::size_t kInitialBufferBytes = 1024;
// Group entries list members and can be large; past this an entry is treated as a failure.
constexpr std::size_t kMaxBufferBytes = std::size_t{1024} * 1024;

// Calls getpwuid_r/getgrgid_r through `call`, growing the buffer on ERANGE.
template <typename Entry, typename Call>
bool lookup_name(Call call, std::optional<std::string>& name) {
    Entry entry{};
    std::vector<char> buffer(kInitialBufferBytes);
    while (true) {
        Entry* result = nullptr;
        const int error = call(&entry, buffer.data(), buffer.size(), &result);
        if (error == ERANGE && buffer.size() < kMaxBufferBytes) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (error == EINTR) {
            continue;
        }
        name.reset();
        if (error != 0) {
            // glibc reports an unknown id as 0 + null, but some NSS modules as ENOENT.
            return error == ENOENT;
        }
        if (result != nullptr) {
            if constexpr (std::is_same_v<Entry, passwd>) {
                name = result->pw_name;
            } else {
                name = result->gr_name;
            }
        }
        return true;
    }
}

bool resolve_user(std::uint32_t uid, std::optional<std::string>& name) {
    return lookup_name<passwd>(
        [uid](passwd* entry, char* buffer, std::size_t size, passwd** result) {
            return ::getpwuid_r(uid, entry, buffer, size, result);
        },
        name);
}

bool resolve_group(std::uint32_t gid, std::optional<std::string>& name) {
    return lookup_name<group>(
        [gid](group* entry, char* buffer, std::size_t size, group** result) {
            return ::getgrgid_r(gid, entry, buffer, size, result);
        },
        name);
}

}  // namespace

std::optional<std::string> UserNames::Cache::resolve(std::uint32_t id, Resolver resolver) {
    if (const auto cached = names_.find(id); cached != names_.end()) {
        return cached->second;
    }
    std::optional<std::string> name;
    if (!resolver(id, name) || capacity_ == 0) {
        return name;
    }
    while (names_.size() >= capacity_) {
        names_.erase(insertion_order_.front());
        insertion_order_.pop_front();
    }
    names_.emplace(id, name);
    insertion_order_.push_back(id);
    return name;
}

void UserNames::Cache::clear() {
    names_.clear();
    insertion_order_.clear();
}

UserNames::UserNames(std::size_t capacity) : users_(capacity), groups_(capacity) {}

std::optional<std::string> UserNames::user_name(std::uint32_t uid) {
    return users_.resolve(uid, resolve_user);
}

std::optional<std::string> UserNames::group_name(std::uint32_t gid) {
    return groups_.resolve(gid, resolve_group);
}

void UserNames::clear() {
    users_.clear();
    groups_.clear();
}

std::size_t UserNames::cached_entries() const {
    return users_.size() + groups_.size();
}

}  // namespace sluice
