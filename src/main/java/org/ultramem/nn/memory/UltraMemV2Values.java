package org.ultramem.nn.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;

/**
 * The value holder every UltraMemV2 retrieval layer of a model reads (the official
 * {@code full_memory_layer}, spec §2.2, §7): the shared value table V and, with pre-values, the
 * shared pre-value table Pre. Layer ℓ addresses the window of N rows starting at off_ℓ and
 * wrapping around ({@link UltraMemV2Geometry}); gradients of all layers add into the same
 * (row-sparse) gradient buffers.
 *
 * <p>Parameters (golden names under {@code full.}): {@code values_for_look_up} V [N_all, D_v] and
 * {@code pre_values_for_look_up} Pre [N_all, D_p] (only D_p &gt; 0), both group VALUES (the
 * reference puts Pre in the value group by name substring, spec §9), row-sparse. Released init
 * (spec §2.2): both N(0, 0.02).
 */
public final class UltraMemV2Values {

    /** Standard deviation of the released init of V and Pre. */
    static final double INIT_STD = 0.02;

    private final UltraMemV2Geometry geometry;
    private final Parameter values;
    private final Parameter preValues;

    /** The tables for {@code geometry}, initialised from {@code seed}. */
    public UltraMemV2Values(UltraMemV2Geometry geometry, long seed) {
        this.geometry = geometry;
        UltraMemV2Config cfg = geometry.config();
        int rows = geometry.allValueNum();
        values = new Parameter("values_for_look_up", new int[] {rows, cfg.valueDim()},
                Parameter.Group.VALUES, true);
        preValues = cfg.preValueDim() > 0 ? new Parameter("pre_values_for_look_up",
                new int[] {rows, cfg.preValueDim()}, Parameter.Group.VALUES, true) : null;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Parameter p : parameters()) {
            UltraMemInit.normal(p.data, rnd, INIT_STD);
        }
    }

    public UltraMemV2Geometry geometry() {
        return geometry;
    }

    /** V [N_all, D_v]. */
    public Parameter values() {
        return values;
    }

    /** Pre [N_all, D_p], or null without pre-values. */
    public Parameter preValues() {
        return preValues;
    }

    /** Every trainable parameter in a fixed order (checkpoint order): V, then Pre. */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(values);
        if (preValues != null) {
            ps.add(preValues);
        }
        return ps;
    }

    /** The parameter with this golden name, e.g. {@code "values_for_look_up"}. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("UltraMemV2 value holder has no parameter `" + name
                + "`; it has " + parameters());
    }
}
