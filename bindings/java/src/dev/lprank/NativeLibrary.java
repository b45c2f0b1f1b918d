package dev.lprank;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads the native library once, before any class of this package calls into it: from the
 * jar when it carries one for this platform ({@code /dev/lprank/native/<os>-<arch>/}, copied
 * to a temporary file, since a library cannot be mapped from inside a jar), otherwise from
 * {@code java.library.path} ({@code System.loadLibrary("lprank_jni")}), as when the sources are
 * compiled into another tree. The jar's library is the JNI shim with the Rust library linked
 * in statically: one self-contained file per platform.
 */
final class NativeLibrary {
    private static final String NAME = "lprank_jni";
    private static boolean loaded;

    private NativeLibrary() {}

    /** The platform directory name inside the jar: {@code linux-x86_64}, {@code linux-aarch64}, … */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macos" : os.startsWith("windows") ? "windows" : os;
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return osName + "-" + archName;
    }

    static synchronized void load() {
        if (loaded) return;
        String file = System.mapLibraryName(NAME);
        String resource = "/dev/lprank/native/" + platform() + "/" + file;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                System.loadLibrary(NAME);
            } else {
                Path dir = Files.createTempDirectory("lprank-native");
                Path lib = dir.resolve(file);
                Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
                lib.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                System.load(lib.toAbsolutePath().toString());
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("lprank: cannot extract " + resource + ": " + e);
        }
        loaded = true;
    }
}
