#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

// A throwaway directory shaped like /proc for attribution tests:
// PID/{stat, status, cmdline, cgroup, exe -> file, fd/N -> link}.
namespace sluice::test {

struct FakeProcess {
    std::uint32_t ppid = 1;
    std::uint64_t start_time = 1000;
    std::uint32_t uid = 1000;
    std::uint32_t gid = 1000;
    std::string exe;  // a path the exe link points to; empty: no exe link (kernel thread)
    std::string cmdline = std::string("prog\0--flag\0", 12);
    std::string cgroup = "0::/user.slice/user-1000.slice/session-1.scope\n";
    std::uint32_t flags = 0;
    std::string comm = "prog";
};

class FakeProc {
  public:
    FakeProc() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sluice-fake-proc-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        root_ = pattern;
        // Entries a real /proc has that are not processes.
        std::filesystem::create_directory(root_ / "net");
        std::filesystem::create_directory_symlink("1", root_ / "self");
    }
    ~FakeProc() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    FakeProc(const FakeProc&) = delete;
    FakeProc& operator=(const FakeProc&) = delete;
    FakeProc(FakeProc&&) = delete;
    FakeProc& operator=(FakeProc&&) = delete;

    [[nodiscard]] std::string root() const { return root_.string(); }
    [[nodiscard]] std::filesystem::path path() const { return root_; }

    // A regular file inside the fake tree to stand for an executable.
    std::string make_file(const std::string& name, const std::string& content) {
        const auto file = root_ / "files" / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }

    void add_process(std::uint32_t pid, const FakeProcess& process) {
        const auto directory = root_ / std::to_string(pid);
        std::filesystem::remove_all(directory);
        std::filesystem::create_directories(directory / "fd");
        write(pid, "stat",
              std::to_string(pid) + " (" + process.comm + ") S " + std::to_string(process.ppid) +
                  " 1 1 0 -1 " + std::to_string(process.flags) + " 0 0 0 0 0 0 0 0 20 0 1 0 " +
                  std::to_string(process.start_time) +
                  " 1000 100 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
        write(pid, "status",
              "Name:\t" + process.comm + "\nUid:\t" + ids(process.uid) + "\nGid:\t" +
                  ids(process.gid) + "\n");
        write(pid, "cmdline", process.cmdline);
        write(pid, "cgroup", process.cgroup);
        if (!process.exe.empty()) {
            std::filesystem::create_symlink(process.exe, directory / "exe");
        }
        // The kernel's /proc/PID belongs to the process's effective uid; only root can mirror
        // that here, elsewhere the directory stays the test's own.
        if (::geteuid() == 0) {
            static_cast<void>(::chown(directory.c_str(), process.uid, process.gid));
        }
    }
    void remove_process(std::uint32_t pid) {
        std::filesystem::remove_all(root_ / std::to_string(pid));
    }
    void add_fd(std::uint32_t pid, int fd, const std::string& target) {
        std::filesystem::create_symlink(target,
                                        root_ / std::to_string(pid) / "fd" / std::to_string(fd));
    }
    void write(std::uint32_t pid, const std::string& name, const std::string& content) {
        std::ofstream(root_ / std::to_string(pid) / name, std::ios::binary) << content;
    }

  private:
    static std::string ids(std::uint32_t effective) {
        // real, effective, saved, filesystem: only the effective one is read.
        return "1\t" + std::to_string(effective) + "\t2\t3";
    }

    std::filesystem::path root_;
};

}  // namespace sluice::test
