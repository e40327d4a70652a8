package org.ultramem.data.facts;

import java.util.List;

/**
 * One attribute of a synthetic person (after Allen-Zhu &amp; Li, "Physics of Language Models 3.1",
 * bioS): its key in the JSON files, its number of choices (each person's value is drawn uniformly
 * from them, so a recalled value is worth {@code log2(choices)} bits) and the value of choice i.
 */
public enum Attribute {
    BIRTH_DATE("birth_date", FactLists.BIRTH_DATES),
    BIRTH_CITY("birth_city", FactLists.CITIES),
    UNIVERSITY("university", FactLists.UNIVERSITIES),
    MAJOR("major", FactLists.MAJORS),
    EMPLOYER("employer", FactLists.COMPANIES),
    EMPLOYER_CITY("employer_city", FactLists.CITIES);

    /** Key in facts.jsonl, facts-eval.jsonl and the eval JSON. */
    public final String key;
    /** Number of values a person's attribute is drawn from, uniformly. */
    public final int choices;

    Attribute(String key, int choices) {
        this.key = key;
        this.choices = choices;
    }

    /** The text of choice {@code i} in [0, choices). */
    public String value(int i) {
        return switch (this) {
            case BIRTH_DATE -> FactLists.birthDate(i);
            case BIRTH_CITY, EMPLOYER_CITY -> FactLists.cities().get(i);
            case UNIVERSITY -> FactLists.universities().get(i);
            case MAJOR -> FactLists.majors().get(i);
            case EMPLOYER -> FactLists.companies().get(i);
        };
    }

    /** log2 of the number of choices: the bits one correctly recalled value of this attribute holds. */
    public double bitsPerValue() {
        return Math.log(choices) / Math.log(2);
    }

    /** The attribute whose key is {@code key}; fails naming the known keys. */
    public static Attribute ofKey(String key) {
        for (Attribute a : values()) {
            if (a.key.equals(key)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown attribute `" + key + "`; the attributes are "
                + List.of(values()).stream().map(a -> a.key).toList());
    }
}
