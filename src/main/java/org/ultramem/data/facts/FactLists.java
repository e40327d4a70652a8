package org.ultramem.data.facts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fixed lists a synthetic person is drawn from, read once from this package's resources
 * ({@code cities.txt}, one entry per line). The sizes are constants because they are the number of
 * choices per attribute that the bits-of-knowledge figure uses ({@code log2(choices)} per fact);
 * loading checks every list against its constant, so an edited list cannot silently change the
 * measure. Entries are unique, trimmed, and hold no '.', '?' or line break (an answer is read up to
 * the first '.' or end of line).
 */
public final class FactLists {

    /** Female first names; a woman's middle name is another entry of this list. */
    public static final int FEMALE_FIRST_NAMES = 100;
    /** Male first names; a man's middle name is another entry of this list. */
    public static final int MALE_FIRST_NAMES = 100;
    public static final int LAST_NAMES = 200;
    /** Real city names: birth city and employer city draw from the same list. */
    public static final int CITIES = 200;
    public static final int UNIVERSITIES = 300;
    public static final int MAJORS = 100;
    public static final int COMPANIES = 250;
    public static final int MONTHS = 12;
    /** Days 1..28, so every month has every day. */
    public static final int DAYS = 28;
    /** Birth years {@link #FIRST_YEAR} .. {@link #FIRST_YEAR} + YEARS − 1. */
    public static final int YEARS = 60;
    public static final int FIRST_YEAR = 1940;
    /** Distinct birth dates: {@code MONTHS · DAYS · YEARS} = 20,160. */
    public static final int BIRTH_DATES = MONTHS * DAYS * YEARS;

    private static final List<String> MONTH_NAMES = List.of("January", "February", "March",
            "April", "May", "June", "July", "August", "September", "October", "November",
            "December");

    private FactLists() {
    }

    /** Lazily loaded lists (a holder, so a class that only reads the constants loads no file). */
    private static final class Holder {
        static final List<String> FEMALE = load("first-names-female.txt", FEMALE_FIRST_NAMES);
        static final List<String> MALE = load("first-names-male.txt", MALE_FIRST_NAMES);
        static final List<String> LAST = load("last-names.txt", LAST_NAMES);
        static final List<String> CITY = load("cities.txt", CITIES);
        static final List<String> UNIVERSITY = load("universities.txt", UNIVERSITIES);
        static final List<String> MAJOR = load("majors.txt", MAJORS);
        static final List<String> COMPANY = load("companies.txt", COMPANIES);
    }

    public static List<String> femaleFirstNames() {
        return Holder.FEMALE;
    }

    public static List<String> maleFirstNames() {
        return Holder.MALE;
    }

    public static List<String> lastNames() {
        return Holder.LAST;
    }

    public static List<String> cities() {
        return Holder.CITY;
    }

    public static List<String> universities() {
        return Holder.UNIVERSITY;
    }

    public static List<String> majors() {
        return Holder.MAJOR;
    }

    public static List<String> companies() {
        return Holder.COMPANY;
    }

    /** Birth date number {@code i} in [0, BIRTH_DATES) as text, e.g. "March 5, 1962". */
    public static String birthDate(int i) {
        if (i < 0 || i >= BIRTH_DATES) {
            throw new IllegalArgumentException("birth date index " + i + " must be in [0, "
                    + BIRTH_DATES + ")");
        }
        int month = i / (DAYS * YEARS);
        int day = i / YEARS % DAYS + 1;
        int year = FIRST_YEAR + i % YEARS;
        return MONTH_NAMES.get(month) + " " + day + ", " + year;
    }

    /** Reads one resource list and checks it (a failure here is a packaging bug, not user input). */
    static List<String> load(String resource, int expected) {
        List<String> out = new ArrayList<>();
        try (InputStream in = FactLists.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the"
                        + " build (src/main/resources/org/ultramem/data/facts/)");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in,
                    StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
        Set<String> seen = new HashSet<>();
        for (String s : out) {
            if (!s.equals(s.strip()) || s.contains(".") || s.contains("?") || !seen.add(s)) {
                throw new IllegalStateException("resource " + resource + ": entry `" + s + "` must"
                        + " be trimmed, unique and free of '.' and '?'");
            }
        }
        if (out.size() != expected) {
            throw new IllegalStateException("resource " + resource + " has " + out.size()
                    + " entries but FactLists says " + expected + "; the count is the number of"
                    + " choices the bits figure uses, so change both together");
        }
        return List.copyOf(out);
    }
}
