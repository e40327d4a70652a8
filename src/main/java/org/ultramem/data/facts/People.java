package org.ultramem.data.facts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws the population of a facts corpus: N unique full names sampled without replacement from
 * first × middle × last (the middle name is another first name of the same gender list), and each
 * attribute uniformly from its choices. A pure function of (N, rng state).
 */
public final class People {

    /** Names per gender: first × (first − 1 distinct middles) × last. */
    static final long NAMES_PER_GENDER = (long) FactLists.FEMALE_FIRST_NAMES
            * (FactLists.FEMALE_FIRST_NAMES - 1) * FactLists.LAST_NAMES;
    /** Distinct full names (both genders): 3,960,000 with the default lists. */
    public static final long DISTINCT_NAMES = 2 * NAMES_PER_GENDER;
    /**
     * Most people a corpus may have: a quarter of the distinct names, so rejection sampling of
     * unique names stays cheap, and far beyond what this machine can train on.
     */
    public static final int MAX_PEOPLE = (int) (DISTINCT_NAMES / 4);

    private People() {
    }

    /** {@code n} people with ids 0..n−1. */
    public static List<Person> draw(int n, SplittableRandom rng) {
        if (n < 1 || n > MAX_PEOPLE) {
            throw new IllegalArgumentException("--people " + n + " must be in [1, " + MAX_PEOPLE
                    + "] (" + DISTINCT_NAMES + " distinct names; a quarter keeps sampling cheap)");
        }
        if (FactLists.MALE_FIRST_NAMES != FactLists.FEMALE_FIRST_NAMES) {
            throw new IllegalStateException("the name code assumes equal first-name lists");
        }
        Set<Long> used = new HashSet<>();
        List<Person> out = new ArrayList<>(n);
        Attribute[] attrs = Attribute.values();
        while (out.size() < n) {
            long code = rng.nextLong(DISTINCT_NAMES);
            if (!used.add(code)) {
                continue;
            }
            int[] choices = new int[attrs.length];
            for (Attribute a : attrs) {
                choices[a.ordinal()] = rng.nextInt(a.choices);
            }
            boolean female = code < NAMES_PER_GENDER;
            out.add(new Person(out.size(), name(code), female, choices));
        }
        return out;
    }

    /** The full name with number {@code code} in [0, DISTINCT_NAMES). */
    static String name(long code) {
        boolean female = code < NAMES_PER_GENDER;
        List<String> firsts = female ? FactLists.femaleFirstNames() : FactLists.maleFirstNames();
        long r = code % NAMES_PER_GENDER;
        int perFirst = (firsts.size() - 1) * FactLists.LAST_NAMES;
        int first = (int) (r / perFirst);
        int rest = (int) (r % perFirst);
        int middle = rest / FactLists.LAST_NAMES;
        middle += middle >= first ? 1 : 0; // skip the first name itself
        int last = rest % FactLists.LAST_NAMES;
        return firsts.get(first) + " " + firsts.get(middle) + " " + FactLists.lastNames().get(last);
    }
}
