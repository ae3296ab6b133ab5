#include "dbus/authorizer.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

#include "dbus/bus_names.hpp"

namespace sluice {

namespace {

constexpr std::uint32_t kAllowUserInteraction = 1;
constexpr std::size_t kNssBufferBytes = std::size_t{16} * 1024;
constexpr int kMaxGroups = 1024;

}  // namespace

PolkitCheck polkit_check_for(std::string_view sender) {
    PolkitCheck check;
    check.subject_kind = "system-bus-name";
    check.bus_name = std::string(sender);
    check.action_id = bus::kModifyAction;
    check.flags = kAllowUserInteraction;
    return check;
}

PolkitSubject polkit_subject(const PolkitCheck& check) {
    std::map<std::string, sdbus::Variant> details;
    details.emplace("name", sdbus::Variant(check.bus_name));
    return PolkitSubject(check.subject_kind, std::move(details));
}

bool system_group_membership(std::uint32_t uid, const std::string& group) {
    std::vector<char> buffer(kNssBufferBytes);
    struct group entry {};
    struct group* found_group = nullptr;
    if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found_group) != 0 ||
        found_group == nullptr) {
        return false;
    }
    const gid_t admin_gid = found_group->gr_gid;
    std::vector<char> user_buffer(kNssBufferBytes);
    passwd pw{};
    passwd* found_user = nullptr;
    if (::getpwuid_r(uid, &pw, user_buffer.data(), user_buffer.size(), &found_user) != 0 ||
        found_user == nullptr) {
        return false;
    }
    if (found_user->pw_gid == admin_gid) {
        return true;
    }
    std::vector<gid_t> groups(kMaxGroups);
    int count = kMaxGroups;
    if (::getgrouplist(found_user->pw_name, found_user->pw_gid, groups.data(), &count) < 0) {
        return false;
    }
    groups.resize(static_cast<std::size_t>(count));
    return std::find(groups.begin(), groups.end(), admin_gid) != groups.end();
}

Authorizer::Authorizer(AuthorizationMode mode, std::string admin_group, BusQueries& queries,
                       GroupMembership is_member)
    : mode_(mode),
      admin_group_(std::move(admin_group)),
      queries_(queries),
      is_member_(std::move(is_member)) {}

void Authorizer::authorize_modify(const std::string& sender, Verdict done) {
    if (mode_ == AuthorizationMode::kPolkit) {
        if (polkit_in_flight_ >= kMaxInFlight) {
            done("too many authorization checks are in progress");
            return;
        }
        ++polkit_in_flight_;
        queries_.check_polkit(
            polkit_check_for(sender), [this, done = std::move(done)](Result<bool> authorized) {
                --polkit_in_flight_;
                if (!authorized) {
                    done("polkit could not be asked: " + authorized.error().message());
                } else if (!*authorized) {
                    done(std::string("polkit did not authorize ") + bus::kModifyAction);
                } else {
                    done(std::nullopt);
                }
            });
        return;
    }
    caller_uid(sender, [this, done = std::move(done)](Result<std::uint32_t> uid) {
        if (!uid) {
            done("cannot tell who is calling: " + uid.error().message());
            return;
        }
        authorize_uid(*uid, done);
    });
}

void Authorizer::authorize_uid(std::uint32_t uid, const Verdict& done) const {
    if (uid == 0 || (!admin_group_.empty() && is_member_(uid, admin_group_))) {
        done(std::nullopt);
        return;
    }
    done("uid " + std::to_string(uid) + " may not change the firewall (root and members of " +
         "group '" + admin_group_ + "' may)");
}

void Authorizer::caller_uid(const std::string& sender, BusQueries::UidCallback done) {
    if (const auto cached = uids_.find(sender); cached != uids_.end()) {
        done(cached->second);
        return;
    }
    if (auto waiting = waiting_.find(sender); waiting != waiting_.end()) {
        if (waiting->second.size() >= kMaxInFlight) {
            done(Error{"too many calls are waiting for this caller's identity"});
            return;
        }
        waiting->second.push_back(std::move(done));
        return;
    }
    if (waiting_.size() >= kMaxInFlight) {
        done(Error{"too many identity lookups are in progress"});
        return;
    }
    waiting_[sender].push_back(std::move(done));
    queries_.unix_user(sender, [this, sender](Result<std::uint32_t> uid) {
        auto waiting = waiting_.extract(sender);
        if (uid) {
            if (uids_.size() >= kMaxCachedCallers) {
                uids_.clear();
            }
            uids_[sender] = *uid;
        }
        if (waiting.empty()) {
            return;
        }
        for (const auto& callback : waiting.mapped()) {
            callback(uid);
        }
    });
}

void Authorizer::forget(const std::string& sender) {
    uids_.erase(sender);
}

}  // namespace sluice
