package com.example.patterns;

class Worker4Test extends AbstractWorker {}
