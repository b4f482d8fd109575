package io.halite.backup.target;

/**
 * The rules for object names, the same for every target so that a backup can be copied from one kind to another:
 * relative, '/'-separated, no empty segment, no backslash, and no segment starting with '.', which rules out "." and
 * ".." and keeps the names of {@link DirectoryTarget}'s temporary files out of the namespace.
 */
final class ObjectNames {
    private ObjectNames() {}

    static boolean isValid(String name) {
        if (name.isEmpty() || name.indexOf('\\') >= 0) return false;
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.startsWith(".")) return false;
        }
        return true;
    }

    static String check(String name) {
        if (!isValid(name)) throw invalid(name);
        return name;
    }

    /** Checks a list prefix: what comes before its last '/' must be a valid name, the rest may be any start of one. */
    static String checkPrefix(String prefix) {
        int slash = prefix.lastIndexOf('/');
        if ((slash >= 0 && !isValid(prefix.substring(0, slash))) || prefix.indexOf('\\') >= 0) throw invalid(prefix);
        return prefix;
    }

    static IllegalArgumentException invalid(String name) {
        return new IllegalArgumentException("invalid backup object name '" + name + "'");
    }
}
