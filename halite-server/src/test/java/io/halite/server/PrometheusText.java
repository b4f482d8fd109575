package io.halite.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4), for tests: every line must be a
 * {@code # HELP}, a {@code # TYPE} or a sample of the family last typed; names, label sets, escapes and values must
 * be well formed; no series may appear twice; a histogram's buckets must be cumulative and end with {@code +Inf}
 * equal to its {@code _count}. Any violation throws with the line number.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE_START = Pattern.compile("(" + NAME + ")(\\{|\\s)");
    private static final Pattern VALUE = Pattern.compile("[+-]?(Inf|NaN|[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?|[0-9]+\\.)");

    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the exposition does not end with a line feed");
        }
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> series = new HashSet<>();
        String family = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int number = i + 1;
            if (line.startsWith("#")) {
                Matcher type = TYPE.matcher(line);
                if (type.matches()) {
                    if (types.put(type.group(1), type.group(2)) != null) {
                        throw new AssertionError("line " + number + ": a second TYPE for " + type.group(1));
                    }
                    family = type.group(1);
                } else if (!HELP.matcher(line).matches()) {
                    throw new AssertionError("line " + number + ": neither HELP nor TYPE: " + line);
                }
                continue;
            }
            Sample sample = sample(line, number);
            if (family == null || !belongsTo(sample.name(), family, types.get(family))) {
                throw new AssertionError("line " + number + ": sample " + sample.name() + " outside its family ("
                        + family + ")");
            }
            if (!series.add(sample.name() + new TreeMap<>(sample.labels()))) {
                throw new AssertionError("line " + number + ": a second sample of " + sample.name()
                        + sample.labels());
            }
            samples.add(sample);
        }
        PrometheusText parsed = new PrometheusText(samples);
        types.forEach((name, type) -> {
            if (type.equals("histogram")) {
                parsed.checkHistogram(name);
            }
        });
        return parsed;
    }

    private static boolean belongsTo(String sample, String family, String type) {
        return switch (type) {
            case "histogram" -> sample.equals(family + "_bucket") || sample.equals(family + "_count")
                    || sample.equals(family + "_sum");
            case "summary" -> sample.equals(family) || sample.equals(family + "_count") || sample.equals(family + "_sum");
            default -> sample.equals(family);
        };
    }

    private static Sample sample(String line, int number) {
        Matcher start = SAMPLE_START.matcher(line);
        if (!start.lookingAt()) {
            throw new AssertionError("line " + number + ": not a sample: " + line);
        }
        String name = start.group(1);
        int at = start.end(1);
        Map<String, String> labels = new LinkedHashMap<>();
        if (line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                Matcher label = LABEL_NAME.matcher(line).region(at, line.length());
                if (!label.lookingAt() || line.charAt(label.end()) != '=' || line.charAt(label.end() + 1) != '"') {
                    throw new AssertionError("line " + number + ": bad label at column " + (at + 1) + ": " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = label.end() + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char escaped = line.charAt(++j);
                        switch (escaped) {
                            case '\\', '"' -> value.append(escaped);
                            case 'n' -> value.append('\n');
                            default -> throw new AssertionError("line " + number + ": bad escape \\" + escaped);
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label.group(), value.toString()) != null) {
                    throw new AssertionError("line " + number + ": label " + label.group() + " twice");
                }
                at = j + 1;
                if (line.charAt(at) == ',') {
                    at++;
                } else if (line.charAt(at) != '}') {
                    throw new AssertionError("line " + number + ": expected , or } at column " + (at + 1));
                }
            }
            at++;
        }
        String[] rest = line.substring(at).strip().split(" ");
        if (line.charAt(at) != ' ' || rest.length < 1 || rest.length > 2 || !VALUE.matcher(rest[0]).matches()
                || rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
            throw new AssertionError("line " + number + ": bad value or timestamp: " + line);
        }
        String value = rest[0].replace("Inf", "Infinity");
        return new Sample(name, labels, Double.parseDouble(value));
    }

    private void checkHistogram(String family) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.name().equals(family + "_bucket")) {
                Map<String, String> series = new TreeMap<>(s.labels());
                if (series.remove("le") == null) {
                    throw new AssertionError(family + " has a bucket without le");
                }
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            }
        }
        buckets.forEach((series, list) -> {
            double previousBound = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            for (Sample bucket : list) {
                double bound = Double.parseDouble(bucket.labels().get("le").replace("Inf", "Infinity"));
                if (bound <= previousBound || bucket.value() < previousCount) {
                    throw new AssertionError(family + series + ": buckets not increasing at le=" + bound);
                }
                previousBound = bound;
                previousCount = bucket.value();
            }
            if (previousBound != Double.POSITIVE_INFINITY) {
                throw new AssertionError(family + series + ": no +Inf bucket");
            }
            double count = value(family + "_count", series);
            if (count != previousCount) {
                throw new AssertionError(family + series + ": +Inf bucket " + previousCount + " != count " + count);
            }
        });
    }

    List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample with this name and exactly these labels. */
    double value(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels))
                .value();
    }

    double value(String name) {
        return value(name, Map.of());
    }

    /** The value, or 0 if the series does not exist yet (a labelled counter appears on its first increment). */
    double valueOrZero(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .mapToDouble(Sample::value)
                .findFirst()
                .orElse(0);
    }
}
