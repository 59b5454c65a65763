package dev.densepred.datasets.ade;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.densepred.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Class names and palette against mmseg's METAINFO (fixture) and the official objectInfo150.csv (bundled data). */
class Ade20kClassesTest {

    @Test
    void namesAndPaletteEqualMmsegMetainfo() throws IOException {
        JsonObject meta = JsonParser.parseString(Files.readString(Fixtures.dir("ade20k").resolve("ade20k_metainfo.json")))
                .getAsJsonObject();
        JsonArray classes = meta.getAsJsonArray("classes");
        JsonArray palette = meta.getAsJsonArray("palette");
        assertEquals(150, Ade20kClasses.COUNT);
        assertEquals(150, classes.size());
        assertEquals(150, Ade20kClasses.names().size());
        List<Runnable> checks = new ArrayList<>();
        for (int k = 0; k < 150; k++) {
            int i = k;
            JsonArray c = palette.get(k).getAsJsonArray();
            int rgb = c.get(0).getAsInt() << 16 | c.get(1).getAsInt() << 8 | c.get(2).getAsInt();
            checks.add(() -> assertEquals(classes.get(i).getAsString(), Ade20kClasses.name(i), "name of class " + i));
            checks.add(() -> assertEquals(rgb, Ade20kClasses.rgb(i), "colour of class " + i));
        }
        assertAll(checks.stream().map(r -> (org.junit.jupiter.api.function.Executable) r::run));
        assertThrows(IndexOutOfBoundsException.class, () -> Ade20kClasses.rgb(150));
    }

    @Test
    void namesAreSynonymsOfTheOfficialTable() throws IOException {
        // objectInfo150.csv: Idx,Ratio,Train,Val,Stuff,Name with synonyms separated by ';' (spaces also became ';')
        List<String> rows = Files.readAllLines(Fixtures.dataRoot().resolve("ade_mini/objectInfo150.csv"));
        assertEquals(151, rows.size());
        List<Runnable> checks = new ArrayList<>();
        for (int k = 0; k < 150; k++) {
            String[] f = rows.get(k + 1).split(",", 6);
            int idx = Integer.parseInt(f[0]);
            String official = f[5];
            String ours = Ade20kClasses.name(idx - 1);
            // mmseg's name is one of the synonyms (multi-word names are consecutive tokens), the first for 149 of 150
            checks.add(() -> assertTrue((";" + official + ";").contains(";" + ours.replace(' ', ';') + ";"),
                    "Idx " + idx + ": " + official + " vs " + ours));
        }
        assertAll(checks.stream().map(r -> (org.junit.jupiter.api.function.Executable) r::run));
    }
}
