package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

class GradClipTest {

    private final Kernels k = KernelProvider.scalar();

    @Test
    void globalNormCountsDenseAndTouchedRowsOnly() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 3;
        a.grad[1] = 4;
        Parameter table = new Parameter("values", new int[] {4, 2}, Parameter.Group.VALUES, true);
        table.touchRow(2);
        table.grad[4] = 12;
        // an untouched row's gradient is zero by contract; it must not be read or scaled
        assertEquals(13.0, GradClip.globalNorm(k, List.of(a, table)), 1e-12);
    }

    @Test
    void clipScalesToMaxNormAndReturnsNormBefore() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 3;
        a.grad[1] = 4;
        double before = GradClip.clip(k, List.of(a), 1.0);
        assertEquals(5.0, before, 1e-12);
        assertEquals(0.6f, a.grad[0], 1e-7f);
        assertEquals(0.8f, a.grad[1], 1e-7f);
        assertEquals(1.0, GradClip.globalNorm(k, List.of(a)), 1e-6);
    }

    @Test
    void smallNormAndDisabledClipLeaveGradientsAlone() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 0.3f;
        GradClip.clip(k, List.of(a), 1.0);
        assertEquals(0.3f, a.grad[0]);
        a.grad[0] = 30f;
        GradClip.clip(k, List.of(a), 0.0);
        assertEquals(30f, a.grad[0]);
    }

    @Test
    void nonFiniteNormIsReturnedWithoutScaling() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = Float.NaN;
        a.grad[1] = 5;
        assertTrue(Double.isNaN(GradClip.clip(k, List.of(a), 1.0)));
        assertEquals(5f, a.grad[1]);
    }

    @Test
    void valueTablesWithTheirOwnNormAreClippedApart() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        Parameter table = new Parameter("values", new int[] {2, 2}, Parameter.Group.VALUES, true);
        a.grad[0] = 3;
        a.grad[1] = 4;
        table.touchRow(1);
        table.grad[2] = 6;
        table.grad[3] = 8;
        java.util.Map<String, Parameter> named = new java.util.LinkedHashMap<>();
        named.put("a", a);
        named.put("m.values", table);
        GradClip.Groups g = GradClip.Groups.of(named, java.util.Map.of("m.values",
                org.ultramem.model.ValueTableRule.multiplier(1, 1, false).with(true, 2.0)));
        assertEquals(List.of(a), g.main());
        assertEquals(5.0, g.clip(k, 1.0), 1e-12, "the main norm leaves the table out");
        assertEquals(1.0, GradClip.globalNorm(k, List.of(a)), 1e-6);
        assertEquals(2.0, GradClip.globalNorm(k, List.of(table)), 1e-6);
    }

    @Test
    void withoutOwnNormsTheGroupsAreTheGlobalClip() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        Parameter table = new Parameter("values", new int[] {2, 2}, Parameter.Group.VALUES, true);
        java.util.Map<String, Parameter> named = new java.util.LinkedHashMap<>();
        named.put("a", a);
        named.put("m.values", table);
        GradClip.Groups g = GradClip.Groups.of(named, java.util.Map.of("m.values",
                org.ultramem.model.ValueTableRule.multiplier(4, 1, false)));
        assertEquals(List.of(a, table), g.main());
        assertTrue(g.own().isEmpty());
    }
}
