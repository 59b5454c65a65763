package dev.densepred.backbone.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

/** {@link ResNet#macs} against torchvision's published count and the convolutions of timm's resnet50c. */
class ResNetMacsTest {

    @Test
    void resnet50CountsTorchvisionsGflopsWithoutTheClassifier() {
        ResNet r50 = new ResNet(ResNet.Config.defaults());
        // torchvision's ResNet50_Weights.IMAGENET1K_V1 lists 4.09 GFLOPS (multiply-accumulates) at 224x224, fc included
        // (2048 x 1000 = 2.05M); the backbone has no fc
        assertEquals(4.09e9 - 2.048e6, r50.macs(224, 224), 0.01e9);
        // only the stages up to the last output index run
        ResNet firstTwo = new ResNet(ResNet.Config.defaults().withOutIndices(List.of(0, 1)));
        assertTrue(firstTwo.macs(224, 224) < r50.macs(224, 224) / 2);
    }

    @Test
    void deepStemCountsEveryConvolutionOfTimmsResnet50c() {
        ResNet v1c = new ResNet(ResNet.Config.defaults().withDeepStem(true));
        // timm's resnet50c (the same network), a forward hook on every nn.Conv2d summing
        // output elements x in_channels / groups x kernel area: 4,326,776,832 at 224x224, 22,605,201,408 at 512x512
        assertEquals(4_326_776_832L, v1c.macs(224, 224));
        assertEquals(22_605_201_408L, v1c.macs(512, 512));
    }
}
