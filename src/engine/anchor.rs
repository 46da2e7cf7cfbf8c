//! Classifying an ImmutableID / source-anchor value: what it was made from.
//! (Stub: filled in by the guid work.)
