package io.kpipe.cluster.internal;

import io.kpipe.config.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files and directories only their owner may open, created so from the first moment (no window in
 * which another user could open them): directories 0700, files 0600 (through {@link Secrets#writeOwnerOnly}).
 */
public final class OwnerOnly {
    private OwnerOnly() {}

    /** Creates {@code dir} 0700 (its missing parents as the umask says); an existing one is set to 0700. */
    public static Path directory(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                return dir;
            }
            Files.createDirectories(dir.toAbsolutePath().getParent());
            return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory " + dir, e);
        }
    }

    /** Writes {@code text} to a new file {@code file}, 0600; an existing file is replaced by a new one. */
    public static Path write(Path file, String text) {
        return write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} to a new file {@code file}, 0600; an existing file is replaced by a new one. */
    public static Path write(Path file, byte[] bytes) {
        try {
            Files.deleteIfExists(file);
            Secrets.writeOwnerOnly(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
