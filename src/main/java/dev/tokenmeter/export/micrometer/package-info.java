/** Micrometer binding: {@link dev.tokenmeter.export.micrometer.TokenMeterBinder}. */
package dev.tokenmeter.export.micrometer;
