package io.kpipe.cli;

import io.kpipe.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A secret kept in a file (so it stays out of the process list): its first line, stripped. */
final class SecretFile {
    private SecretFile() {}

    /** Null for a null file; a one-line usage error naming {@code flag} when unreadable or empty. */
    static String read(Path file, String flag) {
        if (file == null) {
            return null;
        }
        String secret;
        try {
            secret = Files.readAllLines(file).stream().findFirst().orElse("").strip();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UsageException(flag, "no such file: " + file);
        } catch (IOException e) {
            throw new UsageException(flag, "cannot read " + file + " (" + e.getMessage() + ")");
        }
        UsageException.require(!secret.isEmpty(), flag, "file " + file + " is empty: its first line must hold the secret");
        return secret;
    }
}
