package io.gatehouse.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A horizontal grouped bar chart drawn with plain Java2D and written as PNG: one row per label,
 * one bar per series, each bar annotated with its own text, linear or log-10 axis.
 */
public final class BarChart {
  /** A series: its legend name and colour. */
  public record Series(String name, Color color) {}

  /** A bar: its value (≤ 0 or NaN: not drawn) and the text printed after it. */
  public record Bar(double value, String text) {}

  private record Row(String label, List<Bar> bars, String note) {}

  private static final int WIDTH = 1500;
  private static final int BAR = 18;
  private static final int GAP = 14;
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
  private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private final String title;
  private final String subtitle;
  private final String axis;
  private final boolean log;
  private final List<Series> series;
  private final List<Row> rows = new ArrayList<>();
  private String noteHeader;

  /**
   * @param axis the axis caption, with its unit
   * @param log log-10 axis (for values spanning decades)
   */
  public BarChart(String title, String subtitle, String axis, boolean log, List<Series> series) {
    this.title = title;
    this.subtitle = subtitle;
    this.axis = axis;
    this.log = log;
    this.series = List.copyOf(series);
  }

  /** Shows a column of row notes at the right edge, under {@code header}. */
  public BarChart noteHeader(String header) {
    this.noteHeader = header;
    return this;
  }

  /** Adds a row; {@code bars} in series order, {@code note} printed at the right edge (or null). */
  public BarChart row(String label, List<Bar> bars, String note) {
    rows.add(new Row(label, List.copyOf(bars), note));
    return this;
  }

  /** Draws the chart into {@code file}. */
  public void write(Path file) throws IOException {
    int labelWidth = 390;
    int noteWidth = noteHeader == null ? 0 : 130;
    int top = 90;
    int rowHeight = series.size() * BAR + GAP;
    int plotHeight = rows.size() * rowHeight;
    int height = top + plotHeight + 80;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, height);

    g.setColor(Color.BLACK);
    g.setFont(TITLE);
    g.drawString(title, 20, 32);
    g.setFont(SMALL);
    g.setColor(Color.DARK_GRAY);
    g.drawString(subtitle, 20, 52);
    int legendX = 20;
    for (Series s : series) {
      g.setColor(s.color());
      g.fillRect(legendX, 64, 14, 14);
      g.setColor(Color.BLACK);
      g.drawString(s.name(), legendX + 20, 76);
      legendX += 40 + g.getFontMetrics().stringWidth(s.name());
    }

    int plotLeft = labelWidth;
    int plotRight = WIDTH - noteWidth - 40;
    if (noteHeader != null) {
      g.setFont(SMALL.deriveFont(Font.BOLD));
      g.setColor(new Color(120, 30, 30));
      g.drawString(noteHeader, WIDTH - noteWidth, top - 12);
    }
    double[] range = range();
    // Grid and axis ticks.
    g.setFont(SMALL);
    for (double tick : ticks(range)) {
      int x = x(tick, range, plotLeft, plotRight);
      g.setColor(new Color(225, 225, 225));
      g.drawLine(x, top - 6, x, top + plotHeight);
      g.setColor(Color.DARK_GRAY);
      String t = format(tick);
      g.drawString(t, x - g.getFontMetrics().stringWidth(t) / 2, top + plotHeight + 18);
    }
    g.drawString(axis, plotLeft, top + plotHeight + 42);

    int y = top;
    for (Row row : rows) {
      g.setFont(LABEL);
      g.setColor(Color.BLACK);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(fit(row.label(), fm, labelWidth - 20), 20, y + rowHeight / 2 + 2);
      for (int i = 0; i < row.bars().size() && i < series.size(); i++) {
        Bar bar = row.bars().get(i);
        int barTop = y + i * BAR;
        if (!(bar.value() > 0)) {
          g.setFont(SMALL);
          g.setColor(Color.GRAY);
          g.drawString(bar.text(), plotLeft + 4, barTop + BAR - 5);
          continue;
        }
        int x1 = x(bar.value(), range, plotLeft, plotRight);
        g.setColor(series.get(i).color());
        g.fillRect(plotLeft, barTop + 1, Math.max(1, x1 - plotLeft), BAR - 2);
        g.setFont(SMALL);
        g.setColor(Color.BLACK);
        int textWidth = g.getFontMetrics().stringWidth(bar.text());
        int textX = x1 + 5 + textWidth < WIDTH - noteWidth - 10 ? x1 + 5 : x1 - textWidth - 5;
        if (textX < x1) {
          g.setColor(Color.WHITE);
        }
        g.drawString(bar.text(), textX, barTop + BAR - 5);
      }
      if (row.note() != null && noteHeader != null) {
        g.setFont(LABEL.deriveFont(Font.BOLD));
        g.setColor(new Color(120, 30, 30));
        g.drawString(row.note(), WIDTH - noteWidth, y + rowHeight / 2 + 2);
      }
      y += rowHeight;
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawLine(plotLeft, top - 6, plotLeft, top + plotHeight);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private double[] range() {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Row r : rows) {
      for (Bar b : r.bars()) {
        if (b.value() > 0) {
          min = Math.min(min, b.value());
          max = Math.max(max, b.value());
        }
      }
    }
    if (max == 0) {
      // nothing to draw (e.g. no scores): an empty axis; a log axis cannot start at 0
      return log ? new double[] {1, 10} : new double[] {0, 1};
    }
    if (log) {
      return new double[] {Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max)))};
    }
    double step = niceStep(max / 5);
    return new double[] {0, Math.ceil(max * 1.15 / step) * step};
  }

  private List<Double> ticks(double[] range) {
    List<Double> ticks = new ArrayList<>();
    if (log) {
      for (double t = range[0]; t <= range[1] * 1.001; t *= 10) {
        ticks.add(t);
      }
    } else {
      double step = niceStep(range[1] / 6);
      for (double t = 0; t <= range[1] * 1.001; t += step) {
        ticks.add(t);
      }
    }
    return ticks;
  }

  private int x(double value, double[] range, int left, int right) {
    double f = log
        ? (Math.log10(value) - Math.log10(range[0])) / (Math.log10(range[1]) - Math.log10(range[0]))
        : value / range[1];
    return left + (int) Math.round(Math.max(0, Math.min(1, f)) * (right - left));
  }

  private static double niceStep(double raw) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double n = raw / magnitude;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
  }

  private static String format(double v) {
    if (v == 0 || v >= 1 && v == Math.rint(v)) {
      return String.format("%,d", (long) v);
    }
    return String.valueOf(v).replaceAll("0+$", "");
  }

  private static String fit(String s, FontMetrics fm, int width) {
    if (fm.stringWidth(s) <= width) {
      return s;
    }
    while (s.length() > 1 && fm.stringWidth(s + "…") > width) {
      s = s.substring(0, s.length() - 1);
    }
    return s + "…";
  }
}
