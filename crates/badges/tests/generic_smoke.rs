mod common;

#[test]
fn the_impl_guide_vector_canonicalizes_as_published() {
    let signed: serde_json::Value = serde_json::from_str(&common::read_standard(
        "test-vectors/impl-guide-obv3p0-signed.json",
    ))
    .unwrap();
    let mut doc = signed.clone();
    doc.as_object_mut().unwrap().remove("proof");
    let got = badges::rdf::canonical_nquads(doc.to_string().as_bytes()).unwrap();
    assert_eq!(
        got,
        common::read_standard("ob_v3p0/testvector-document-canon.txt")
    );
}
