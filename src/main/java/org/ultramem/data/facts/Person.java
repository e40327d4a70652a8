package org.ultramem.data.facts;

import java.util.Arrays;

/**
 * One synthetic person: a unique full name, a gender (only for pronouns) and one value per
 * {@link Attribute}, stored as the index of the choice.
 *
 * @param id position in facts.jsonl (0-based)
 * @param name "First Middle Last"
 * @param female she/her when true, he/his otherwise
 * @param choices choice index per attribute, in {@link Attribute#values()} order
 */
public record Person(int id, String name, boolean female, int[] choices) {

    public Person {
        if (choices.length != Attribute.values().length) {
            throw new IllegalArgumentException("person " + name + " has " + choices.length
                    + " attribute values; expected " + Attribute.values().length);
        }
        choices = choices.clone();
    }

    /** The text of this person's attribute {@code a}. */
    public String value(Attribute a) {
        return a.value(choices[a.ordinal()]);
    }

    /** "She"/"He". */
    public String pronoun() {
        return female ? "She" : "He";
    }

    /** "Her"/"His". */
    public String possessive() {
        return female ? "Her" : "His";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Person p && id == p.id && name.equals(p.name) && female == p.female
                && Arrays.equals(choices, p.choices);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(choices);
    }

    @Override
    public String toString() {
        return "Person[" + id + ", " + name + "]";
    }
}
