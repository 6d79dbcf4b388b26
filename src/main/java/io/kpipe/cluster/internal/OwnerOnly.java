package io.kpipe.cluster.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;

/**
 * Files and directories only their owner may open, created so from the first moment (no window in
 * which another user could open them): directories 0700, files 0600. And the random secrets that
 * go in them.
 */
public final class OwnerOnly {
    private static final SecureRandom RANDOM = new SecureRandom();

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
            try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
                out.write(bytes);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * A random secret of 144 bits as 24 characters of {@code [A-Za-z0-9_-]}: nothing to quote in a
     * JAAS line, a properties file, a librdkafka config or the storage tool's SCRAM argument.
     */
    public static String secret() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
