// Plugin files others could change are refused before they are opened (issue 14, item 9), as
// sshd's StrictModes refuses keys and folders writable by others. A real test plugin is copied
// into a folder of the test's own, its modes (and owner) changed, and the real binary asked to
// load it: each unsafe case stops the start with one line naming the file or folder, its mode
// and the fix; the safe copy, and the build's own output, load.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace cc::test;
namespace fs = std::filesystem;

namespace {

std::string echoEntry(const fs::path& library) {
  return "  - name: tp_echo\n    path: " + library.string() + "\n    migrations: " + sourceDir() +
         "/tests/plugins/tp_echo/migrations\n    config: { greeting: hi }\n";
}

// A folder `name` (0755) holding a copy of tp_echo (0644), like a normal install.
fs::path installEcho(const TempDir& root, const std::string& name) {
  fs::path folder = root.path() / name;
  fs::create_directories(folder);
  ::chmod(folder.c_str(), 0755);
  fs::path library = folder / "libcc_tp_echo.so";
  fs::copy_file(fs::path(testPluginDir()) / "libcc_tp_echo.so", library, fs::copy_options::overwrite_existing);
  ::chmod(library.c_str(), 0644);
  return library;
}

// Starts a host that must refuse; returns its output.
std::string refusedStart(const fs::path& library) {
  HostProcess host(echoEntry(library));
  EXPECT_FALSE(host.start()) << "the host loaded " << library;
  return host.output();
}

std::string mode(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  char text[8];
  std::snprintf(text, sizeof text, "%04o", st.st_mode & 07777);
  return text;
}

class PluginPermissions : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = ::umask(022); }
  void TearDown() override { ::umask(previous_); }
  mode_t previous_ = 0;
};

}  // namespace

TEST_F(PluginPermissions, ASafeCopyLoads) {
  TempDir root;
  fs::path library = installEcho(root, "plugins");
  HostProcess host(echoEntry(library));
  ASSERT_TRUE(host.start()) << host.output();
  EXPECT_EQ(host.get("/api/test/echo/safe").status, 200);
  EXPECT_EQ(host.stop(), 0);
}

TEST_F(PluginPermissions, AGroupOrWorldWritableLibraryIsRefused) {
  TempDir root;
  fs::path library = installEcho(root, "plugins");
  ::chmod(library.c_str(), 0664);
  std::string out = refusedStart(library);
  EXPECT_NE(out.find("plugin tp_echo (" + library.string() + "): refused: library " + library.string() +
                     " is writable by its group (mode 0664); run chmod g-w " + library.string()),
            std::string::npos)
      << out;
  ::chmod(library.c_str(), 0646);
  out = refusedStart(library);
  EXPECT_NE(out.find("is writable by others (mode 0646); run chmod o-w " + library.string()), std::string::npos) << out;
  EXPECT_EQ(out.find("starting plugin tp_echo"), std::string::npos) << "refused before it was opened: " << out;
}

TEST_F(PluginPermissions, AWritableFolderIsRefusedEvenWithTheStickyBit) {
  TempDir root;
  fs::path library = installEcho(root, "plugins");
  fs::path folder = library.parent_path();
  ::chmod(folder.c_str(), 0775);
  std::string out = refusedStart(library);
  EXPECT_NE(out.find("refused: folder " + folder.string() + " is writable by its group (mode 0775); run chmod g-w " +
                     folder.string()),
            std::string::npos)
      << out;
  ::chmod(folder.c_str(), 01777);  // like /tmp: anyone may add files, and the folder is what is looked up
  out = refusedStart(library);
  EXPECT_NE(out.find("folder " + folder.string() + " is writable by its group and others (mode 1777); run chmod go-w"),
            std::string::npos)
      << out;
  ::chmod(folder.c_str(), 0755);
}

TEST_F(PluginPermissions, ALibraryOfAnotherUserIsRefused) {
  TempDir root;
  fs::path library = installEcho(root, "plugins");
  const uid_t nobody = 65534;
  if (::geteuid() == nobody || ::chown(library.c_str(), nobody, static_cast<gid_t>(-1)) != 0)
    GTEST_SKIP() << "changing a file's owner needs root";
  std::string out = refusedStart(library);
  EXPECT_NE(out.find("refused: library " + library.string() + " belongs to "), std::string::npos) << out;
  EXPECT_NE(out.find("(uid 65534), not to the host's user"), std::string::npos) << out;
  EXPECT_NE(out.find("run chown " + std::to_string(::geteuid()) + " " + library.string()), std::string::npos) << out;
}

TEST_F(PluginPermissions, SymbolicLinksAreJudgedByWhatTheyPointAt) {
  TempDir root;
  fs::path target = installEcho(root, "real");
  fs::path linkFolder = root.path() / "plugins";
  fs::create_directories(linkFolder);
  ::chmod(linkFolder.c_str(), 0755);
  fs::path link = linkFolder / "libcc_tp_echo.so";
  fs::create_symlink(target, link);
  {
    HostProcess host(echoEntry(link));
    ASSERT_TRUE(host.start()) << "a link to a safe library loads: " << host.output();
    EXPECT_EQ(host.stop(), 0);
  }
  ::chmod(target.c_str(), 0666);
  std::string out = refusedStart(link);
  EXPECT_NE(out.find("refused: library " + target.string() + " is writable by its group and others"), std::string::npos)
      << out;
  ::chmod(target.c_str(), 0644);
  ::chmod(target.parent_path().c_str(), 0777);
  out = refusedStart(link);
  EXPECT_NE(out.find("refused: folder " + target.parent_path().string() + " is writable"), std::string::npos) << out;
  ::chmod(target.parent_path().c_str(), 0755);
}

TEST_F(PluginPermissions, TheBuildOutputPassesTheCheck) {
  // The build takes go-w away (sdk/cmake/CodeCouncilPlugin.cmake), whatever the umask was.
  for (const fs::path& dir : {fs::path(pluginDir()), fs::path(testPluginDir())}) {
    EXPECT_EQ(std::stoi(mode(dir), nullptr, 8) & 022, 0) << dir << " " << mode(dir);
    for (auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".so")
        EXPECT_EQ(std::stoi(mode(entry.path()), nullptr, 8) & 022, 0) << entry.path() << " " << mode(entry.path());
  }
}
